"""Base model for the contract: unknown fields are ignored so either side can add
fields (additive changes only) without breaking the other."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Bilingual(ContractModel):
    """A citizen-facing text in both languages the kiosk offers."""

    zh_CN: str
    en: str
