"""The base of pairmatch's pydantic models (the records and the policy): building one from
values it cannot hold raises :class:`~pairmatch.errors.ModelValidationError`, a pairmatch
error that is still pydantic's ``ValidationError``."""

from __future__ import annotations

from typing import Any, ClassVar

import pydantic_core
from pydantic import BaseModel

from pairmatch.errors import ModelValidationError
from pairmatch.model.vocab import NEEDS, ChildCategory

__all__ = ["PairmatchModel"]


class PairmatchModel(BaseModel):
    """A pydantic model whose construction and ``model_validate*`` raise
    :class:`~pairmatch.errors.ModelValidationError` (table :attr:`error_table`)."""

    #: The ``table`` of the problems its errors list.
    error_table: ClassVar[str] = "records"

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic_core.ValidationError as err:
            raise _pairmatch_error(type(self), err) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Any:
        try:
            return super().model_validate(obj, **kwargs)
        except pydantic_core.ValidationError as err:
            raise _pairmatch_error(cls, err) from None

    @classmethod
    def model_validate_json(cls, json_data: Any, **kwargs: Any) -> Any:
        try:
            return super().model_validate_json(json_data, **kwargs)
        except pydantic_core.ValidationError as err:
            raise _pairmatch_error(cls, err) from None

    @classmethod
    def model_validate_strings(cls, obj: Any, **kwargs: Any) -> Any:
        try:
            return super().model_validate_strings(obj, **kwargs)
        except pydantic_core.ValidationError as err:
            raise _pairmatch_error(cls, err) from None


def _pairmatch_error(
    model: type[PairmatchModel], err: pydantic_core.ValidationError
) -> ModelValidationError:
    if isinstance(err, ModelValidationError):
        return err
    names = _field_names()
    return ModelValidationError.from_pydantic(
        err, table=model.error_table, shown=lambda part: isinstance(part, int) or part in names
    )


def _field_names() -> frozenset[str]:
    """Every field name of every pairmatch model, and the need and category words: the
    parts of an error's path it may repeat."""
    names: set[str] = {*NEEDS, *(c.value for c in ChildCategory)}
    todo: list[type[BaseModel]] = [PairmatchModel]
    while todo:
        cls = todo.pop()
        names.update(cls.model_fields)
        todo.extend(cls.__subclasses__())
    return frozenset(names)
