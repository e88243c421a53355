"""Who acts when no member of the organisation does: the scheduler's recurring invoices and
payment reminders.

A ``SystemActor`` stands where the document services take a ``User``: it has the
organisation (its today, series, tax table, payment terms) and no id, so the history keeps
no member and shows ``name``, a key of ``documents.labels.ACTOR_LABELS``, in the reader's
language ("Recurring invoicing").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SystemActor:
    organization: Any
    name: str  # a key of ACTOR_LABELS
    id: None = None

    @property
    def organization_id(self) -> int:
        return self.organization.id
