import unicodedata


def has_control_characters(value: str) -> bool:
    """Line breaks, escape sequences, NUL and invisible format characters (such as right-to-left overrides),
    which have no place in a name and can disguise it in a terminal or a log."""
    return any(unicodedata.category(char) in ("Cc", "Cf") for char in value)
