"""(being written) Administration: roster upload and data-subject requests."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
