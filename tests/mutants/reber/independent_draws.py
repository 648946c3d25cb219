# expect: reber.generate_valid
# may-lose: reber.generate_coverage reber.corrupted reber.dataset
# Draws the production and the next state separately: the letter of one branch followed by
# the state of another, which the grammar does not allow.
def generate_string(grammar, rng):
    state = 0
    output = []
    while state is not None:
        options = grammar[state]
        production = options[int(rng.integers(len(options)))][0]
        state = options[int(rng.integers(len(options)))][1]
        if isinstance(production, list):
            production = generate_string(production, rng)
        output.append(production)
    return "".join(output)
