"""Voxdesk's exception tree, in one place, with the HTTP status each kind of error answers.

Every feature error subclasses one of the kinds below (a feature base such as ``CallError`` adds no
status of its own), so an error class has exactly one status. ``web/errors.py`` is the only place
that turns them into HTTP answers; an error of no kind is a bug and answers 500.

VoxdeskError                      a bug or an unexpected failure                            -> 500
├── InvalidInputError             the request names something impossible or breaks a rule  -> 422
├── MalformedRequestError         the body cannot be parsed (webhook XML/JSON)              -> 400
├── UnauthorizedError             who is asking cannot be verified                          -> 401
│   └── SignatureError            a signed token or webhook is missing, forged or stale
├── ForbiddenError                known, but not allowed to do this                         -> 403
├── NotFoundError                 no such thing (call, agent, ticket, flow, customer...)    -> 404
├── ConflictError                 not possible in the thing's current state                 -> 409
├── PayloadTooLargeError          a body over its size limit                                -> 413
├── RangeNotSatisfiableError      a byte range that is malformed or outside the file        -> 416
├── TooManyRequestsError          too many attempts; ``retry_after`` seconds say when again -> 429
├── NotConfiguredError            the feature is not set up on this installation            -> 501
├── UpstreamError                 a provider or relay we depend on refused or failed        -> 502
├── UnavailableError              a backing service is down; trying again can help          -> 503
│   ├── StorageError              the database is unreachable or its schema is behind
│   ├── EventBusError             Redis refused or dropped a publish/subscribe
│   └── SandboxError              the Asterisk sandbox cannot be installed, started or reached
└── SettingsError                 a setting is wrong; the message names the key and reason  -> 500

Where each feature's errors sit (leaf -> kind):
- config.accounts: AccountExistsError -> Conflict, AccountNotFoundError -> NotFound,
  InvalidAccountError and WeakPasswordError -> InvalidInput
- sign-in: LoginThrottledError -> TooManyRequests; outbound webhooks: OutboundAddressRefusedError ->
  InvalidInput
- telephony.calls: CallNotFoundError -> NotFound, NotOnThisCallError -> Forbidden,
  CallStateConflictError and InvalidTransitionError -> Conflict, BadTransferTargetError -> InvalidInput
- telephony.agents: AgentNotFoundError -> NotFound, NoAgentAccountError -> Conflict
- telephony.ivr: FlowNotFoundError -> NotFound, IvrFlowError -> InvalidInput (with ``problems``)
- routing: RoutingConfigError -> InvalidInput (with ``problems``), AgentTransitionError -> Conflict
- tickets.desk: its NotFound/InvalidInput/Conflict errors
- tickets.customers, .conversations, .csat: *NotFoundError -> NotFound, Invalid*Error -> InvalidInput,
  MergeError and SurveyAnsweredError -> Conflict
- tickets.channels: PayloadError -> MalformedRequest, PayloadTooLargeError -> PayloadTooLarge,
  ChannelNotConfiguredError -> NotConfigured, DeliveryError -> Upstream, ReplayedRequestError and
  UnverifiedRecipientError -> Conflict, ReplayCheckUnavailableError -> Unavailable
- qa.compliance: ComplianceRuleFileError -> InvalidInput (with ``problems``)

Every error also says whether trying again can help (``recoverable``).
"""

from __future__ import annotations


class VoxdeskError(Exception):
    """Base of every error Voxdesk raises on purpose."""

    recoverable: bool = False

    def __init__(self, message: str, *, recoverable: bool | None = None) -> None:
        super().__init__(message)
        if recoverable is not None:
            self.recoverable = recoverable

    def public_detail(self) -> object:
        """What a client is shown: the message (safe to show), or a structure a subclass adds."""
        return str(self)


class InvalidInputError(VoxdeskError):
    """The input is well-formed but names something that does not exist or breaks a rule."""


class MalformedRequestError(VoxdeskError):
    """The body cannot be read at all (malformed, unknown fields, unsupported)."""


class UnauthorizedError(VoxdeskError):
    """Who is asking cannot be verified."""


class SignatureError(UnauthorizedError):
    """A signed token or webhook whose signature or timestamp does not check out; nothing is stored."""


class ForbiddenError(VoxdeskError):
    """The asker is known but may not do this."""


class NotFoundError(VoxdeskError):
    """The thing named does not exist (or no longer does)."""


class ConflictError(VoxdeskError):
    """Not possible in the current state (for example pausing an agent who is on a call)."""


class PayloadTooLargeError(VoxdeskError):
    """A body over its configured size limit."""


class RangeNotSatisfiableError(VoxdeskError):
    """A ``Range`` header that is malformed or outside the file; ``size`` is the file's length."""

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(message)
        self.size = size


class TooManyRequestsError(VoxdeskError):
    """Too many attempts (failed sign-ins); ``retry_after`` says in how many seconds to try again."""

    recoverable = True

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotConfiguredError(VoxdeskError):
    """The feature is not set up on this installation (for example no SMS provider)."""


class UpstreamError(VoxdeskError):
    """A provider or relay Voxdesk depends on refused or could not be reached."""

    recoverable = True


class UnavailableError(VoxdeskError):
    """A backing service is down for now; trying again can help."""

    recoverable = True


class SettingsError(VoxdeskError):
    """A setting is missing or wrong; fix the file or the environment and start again."""


class StorageError(UnavailableError):
    """The database cannot be used."""


class EventBusError(UnavailableError):
    """The Redis event bus cannot be used."""


class SandboxError(UnavailableError):
    """The Asterisk sandbox cannot be installed, started or reached."""

    recoverable = False  # most causes (no root, a port taken) need a person; a few set it per error


# Leaves of the floor's own features (accounts, sign-in, outbound addresses).
class WeakPasswordError(InvalidInputError):
    """A new password fails the password policy (too short, common, or the username)."""


class LoginThrottledError(TooManyRequestsError):
    """Too many failed sign-ins for this user or address; ``retry_after`` says when to try again."""


class OutboundAddressRefusedError(InvalidInputError):
    """An outbound URL resolves to a loopback, private, link-local or metadata address."""
