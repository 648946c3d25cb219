# expect: reber.generate_coverage
# Loops are capped at two repeats (to keep strings short), which starves long strings.
def generate_string(grammar, rng):
    state = 0
    output = []
    repeats = 0
    while state is not None:
        options = grammar[state]
        if repeats >= 2:
            options = [pair for pair in options if pair[1] != state] or options
        production, next_state = options[int(rng.integers(len(options)))]
        repeats = repeats + 1 if next_state == state else 0
        state = next_state
        if isinstance(production, list):
            production = generate_string(production, rng)
        output.append(production)
    return "".join(output)
