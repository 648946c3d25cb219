# expect: reber.generate_coverage
# Always takes the last production of a state: valid strings, but half of the grammar
# (and every loop) is never used.
def generate_string(grammar, rng):
    state = 0
    output = []
    while state is not None:
        production, state = grammar[state][-1]
        if isinstance(production, list):
            production = generate_string(production, rng)
        output.append(production)
    return "".join(output)
