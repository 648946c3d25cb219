# expect: reber.generate_coverage
# A generator that never takes a loop: always the first branch that leaves the state.
def generate_string(grammar, rng):
    state = 0
    output = []
    while state is not None:
        options = [pair for pair in grammar[state] if pair[1] != state]
        production, state = options[0]
        if isinstance(production, list):
            production = generate_string(production, rng)
        output.append(production)
    return "".join(output)
