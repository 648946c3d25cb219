"""Count the vowels of a text."""


def count_vowels(text: str) -> int:
    """How many of the letters a, e, i, o, u (either case) ``text`` holds."""
    raise NotImplementedError


def count_all(words: list[str]) -> list[int]:
    """The number of vowels of each word (``count_vowels`` of each)."""
    raise NotImplementedError
