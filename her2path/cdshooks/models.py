"""CDS Hooks 2.0 JSON as pydantic models (requests, cards, discovery, feedback)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SUMMARY_MAX = 139


class _Open(BaseModel):
    """Incoming JSON: unknown members are kept (clients add their own)."""

    model_config = ConfigDict(extra="allow")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FhirAuthorization(_Open):
    access_token: str = Field(repr=False)
    token_type: str = "Bearer"
    expires_in: int | None = None
    scope: str | None = None
    subject: str | None = None


class HookRequest(_Open):
    hook: str
    hookInstance: str
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


class Coding(_Closed):
    system: str | None = None
    code: str
    display: str


class Source(_Closed):
    label: str
    url: str | None = None
    topic: Coding | None = None


class Indicator(StrEnum):
    info = "info"
    warning = "warning"
    critical = "critical"


class Action(_Closed):
    type: str = Field(pattern=r"^(create|update|delete)$")
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None


class Suggestion(_Closed):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] = Field(default_factory=list)


class Link(_Closed):
    label: str
    url: str
    type: str = Field(default="absolute", pattern=r"^(absolute|smart)$")


class Card(_Closed):
    uuid: str | None = None
    summary: str = Field(max_length=SUMMARY_MAX)
    detail: str | None = None
    indicator: Indicator
    source: Source
    suggestions: list[Suggestion] = Field(default_factory=list)
    selectionBehavior: str | None = None
    overrideReasons: list[Coding] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)

    @field_validator("summary", mode="before")
    @classmethod
    def _fit(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value) > SUMMARY_MAX:
            return value[: SUMMARY_MAX - 1].rstrip() + "…"
        return value


class CdsResponse(_Closed):
    cards: list[Card]
    systemActions: list[Action] = Field(default_factory=list)


class ServiceDefinition(_Closed):
    hook: str
    id: str
    title: str
    description: str
    prefetch: dict[str, str] = Field(default_factory=dict)
    usageRequirements: str | None = None


class Discovery(_Closed):
    services: list[ServiceDefinition]


class AcceptedSuggestion(_Open):
    id: str


class OverrideReason(_Open):
    reason: Coding | None = None
    userComment: str | None = None


class FeedbackItem(_Open):
    card: str
    outcome: str = Field(pattern=r"^(accepted|overridden)$")
    acceptedSuggestions: list[AcceptedSuggestion] = Field(default_factory=list)
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: str


class FeedbackRequest(_Open):
    feedback: list[FeedbackItem] = Field(min_length=1)
