"""What every settings section shares: the strict base model and the project's root directory."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
