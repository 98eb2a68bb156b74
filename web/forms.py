"""Forms: read the posted fields, validate them with the same pydantic models as the API, and
turn errors into an error summary linked to the fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

MESSAGES = {
    "missing": "Enter {label}",
    "string_too_short": "Enter {label}",
    "date_from_datetime_parsing": "Enter {label} as a real date",
    "date_parsing": "Enter {label} as a real date",
    "date_type": "Enter {label} as a real date",
    "int_parsing": "Enter {label} as a whole number",
    "less_than_equal": "{Label} must be {le} or less",
    "greater_than_equal": "{Label} must be {ge} or more",
    "enum": "Select {label}",
    "literal_error": "Select {label}",
    "uuid_parsing": "Select {label}",
    "string_too_long": "{Label} must be {max_length} characters or fewer",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    @property
    def href(self) -> str:
        return f"#{self.field}"


async def posted(request: Request) -> dict[str, Any]:
    """The posted fields; repeated names become lists."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        data[key] = values if len(values) > 1 else (values[0] if values else "")
    return data


def validate(
    model: type[M], data: dict[str, Any], labels: dict[str, str]
) -> tuple[M | None, list[FieldError]]:
    """The model, or the errors in plain English (never repeating what was typed)."""
    cleaned = {k: (None if v == "" else v) for k, v in data.items() if k in model.model_fields}
    try:
        return model.model_validate(cleaned), []
    except ValidationError as error:
        errors = []
        for problem in error.errors():
            field = "-".join(str(p) for p in problem["loc"]) or "form"
            root = str(problem["loc"][0]) if problem["loc"] else "form"
            label = labels.get(root, root.replace("_", " "))
            template = MESSAGES.get(problem["type"], "Check {label}")
            context = {
                **problem.get("ctx", {}),
                "label": label,
                "Label": label[:1].upper() + label[1:],
            }
            errors.append(FieldError(field, template.format(**context)))
        return None, errors


def problem_to_error(field: str, message: str) -> list[FieldError]:
    return [FieldError(field, message)]
