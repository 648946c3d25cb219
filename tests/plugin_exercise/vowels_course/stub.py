"""Count the vowels of a text."""


def count_vowels(text: str) -> int:
    """How many of the letters a, e, i, o, u (either case) ``text`` holds."""
    raise NotImplementedError
