"""Reference for the plug-in exercise ``vowels``."""


def count_vowels(text: str) -> int:
    """How many of the letters a, e, i, o, u (either case) ``text`` holds."""
    return sum(ch in "aeiouAEIOU" for ch in text)
