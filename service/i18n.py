"""Language negotiation and bilingual messages (Danish by default, English on request)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic_core import PydanticCustomError

Lang = Literal["da", "en"]


def preferred_language(accept_language: str | None) -> Lang:
    """Pick Danish or English from an Accept-Language header; Danish when nothing fits."""
    if not accept_language:
        return "da"
    best: tuple[float, Lang] | None = None
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("da", "en"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        # Earlier entries win ties, as the header lists preferences in order.
        score = quality - position * 1e-6
        if quality > 0 and (best is None or score > best[0]):
            best = (score, "da" if primary == "da" else "en")
    return best[1] if best else "da"


def bilingual_error(error_type: str, *, da: str, en: str, **context: Any) -> PydanticCustomError:
    """A pydantic validation error that carries its Danish text beside the English one."""
    return PydanticCustomError(error_type, en, {"da": da, **context})


# Danish (and English) texts for pydantic's built-in error types; {name} is filled from the context.
_VALIDATION_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("Feltet skal udfyldes", "Field required"),
    "string_type": ("Skal være tekst", "Must be text"),
    "string_too_short": (
        "Skal være mindst {min_length} tegn",
        "Must be at least {min_length} characters",
    ),
    "string_too_long": (
        "Må højst være {max_length} tegn",
        "Must be at most {max_length} characters",
    ),
    "string_pattern_mismatch": ("Har ikke det rigtige format", "Does not have the right format"),
    "int_type": ("Skal være et helt tal", "Must be a whole number"),
    "int_parsing": ("Skal være et helt tal", "Must be a whole number"),
    "int_from_float": ("Skal være et helt tal", "Must be a whole number"),
    "float_type": ("Skal være et tal", "Must be a number"),
    "float_parsing": ("Skal være et tal", "Must be a number"),
    "finite_number": ("Skal være et endeligt tal", "Must be a finite number"),
    "decimal_parsing": ("Skal være et tal", "Must be a number"),
    "bool_type": ("Skal være sand eller falsk (true/false)", "Must be true or false"),
    "bool_parsing": ("Skal være sand eller falsk (true/false)", "Must be true or false"),
    "enum": ("Skal være en af: {expected}", "Must be one of: {expected}"),
    "literal_error": ("Skal være en af: {expected}", "Must be one of: {expected}"),
    "greater_than": ("Skal være større end {gt}", "Must be greater than {gt}"),
    "greater_than_equal": ("Skal være mindst {ge}", "Must be at least {ge}"),
    "less_than": ("Skal være mindre end {lt}", "Must be less than {lt}"),
    "less_than_equal": ("Må højst være {le}", "Must be at most {le}"),
    "date_type": ("Skal være en dato (ÅÅÅÅ-MM-DD)", "Must be a date (YYYY-MM-DD)"),
    "date_parsing": ("Skal være en dato (ÅÅÅÅ-MM-DD)", "Must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": ("Skal være en dato (ÅÅÅÅ-MM-DD)", "Must be a date (YYYY-MM-DD)"),
    "datetime_type": ("Skal være et tidspunkt (ISO 8601)", "Must be a date and time (ISO 8601)"),
    "datetime_parsing": ("Skal være et tidspunkt (ISO 8601)", "Must be a date and time (ISO 8601)"),
    "datetime_from_date_parsing": (
        "Skal være et tidspunkt (ISO 8601)",
        "Must be a date and time (ISO 8601)",
    ),
    "time_type": ("Skal være et klokkeslæt (TT:MM)", "Must be a time of day (HH:MM)"),
    "time_parsing": ("Skal være et klokkeslæt (TT:MM)", "Must be a time of day (HH:MM)"),
    "list_type": ("Skal være en liste", "Must be a list"),
    "too_short": (
        "Skal have mindst {min_length} elementer",
        "Must have at least {min_length} items",
    ),
    "too_long": ("Må højst have {max_length} elementer", "Must have at most {max_length} items"),
    "dict_type": ("Skal være et objekt", "Must be an object"),
    "model_type": ("Skal være et objekt", "Must be an object"),
    "model_attributes_type": ("Skal være et objekt", "Must be an object"),
    "extra_forbidden": ("Ukendt felt", "Unknown field"),
    "uuid_parsing": ("Skal være et gyldigt id", "Must be a valid id"),
    "url_parsing": ("Skal være en gyldig adresse (URL)", "Must be a valid URL"),
    "value_error": ("Ugyldig værdi: {error}", "Invalid value: {error}"),
}


def validation_message(error: Mapping[str, Any], lang: Lang) -> str:
    """Translate one pydantic error (as from ``errors()``) to the requested language."""
    context: dict[str, Any] = dict(error.get("ctx") or {})
    if lang == "da" and isinstance(context.get("da"), str):
        return str(context["da"])
    error_type = str(error.get("type"))
    if error_type in ("too_short", "too_long") and isinstance(error.get("input"), str):
        # A length limit on checked text (FreeText) is reported as pydantic's generic one.
        error_type = f"string_{error_type}"
    templates = _VALIDATION_MESSAGES.get(error_type)
    if templates is None:
        english = str(error.get("msg", "Invalid value"))
        return english if lang == "en" else f"Ugyldig værdi ({english})"
    template = templates[0] if lang == "da" else templates[1]
    if "expected" in context and lang == "da":
        context["expected"] = str(context["expected"]).replace(" or ", " eller ")
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):
        return template
