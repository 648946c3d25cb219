"""Reference for the plug-in exercise ``vowels``."""


def count_vowels(text: str) -> int:
    """How many of the letters a, e, i, o, u (either case) ``text`` holds."""
    return sum(ch in "aeiouAEIOU" for ch in text)


def count_all(words: list[str]) -> list[int]:
    """The number of vowels of each word."""
    return [count_vowels(word) for word in words]
