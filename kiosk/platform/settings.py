"""``[platform]`` of kiosk.toml: where the platform is and how patiently to talk to it.

The section lives with the client that uses it, as each device's section lives with its
driver; ``kiosk.config`` assembles the file from them, so the platform wing never
imports the core config.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


class PlatformSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = ""
    """Base URL of the government-service platform. Empty: start the reference platform on loopback."""
    connect_timeout_s: Annotated[float, Field(gt=0, le=30)] = 3.0
    read_timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    verify_tls: bool = True
    ca_bundle: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, or be empty for the reference platform")
        return v.rstrip("/")
