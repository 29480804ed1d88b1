"""Errors of the reminder domain."""

from __future__ import annotations

from service.errors import ConflictError, NotFoundError, UnauthorizedError


class ReminderNotFoundError(NotFoundError):
    """No reminder with that id (or none the caller may see)."""

    def __init__(self, reminder_id: str) -> None:
        super().__init__(
            f"Påmindelsen {reminder_id} findes ikke", f"Reminder {reminder_id} does not exist"
        )


class NoSmsConsentError(ConflictError):
    """The citizen has not consented to SMS reminders."""

    def __init__(self) -> None:
        super().__init__(
            "Borgeren har ikke givet samtykke til SMS-påmindelser (sms_consent). Spørg borgeren, "
            "og registrér samtykket på borgeren, før der sendes en SMS.",
            "The citizen has not consented to SMS reminders (sms_consent). Ask the citizen and "
            "record the consent on the citizen before an SMS is sent.",
            code="no_sms_consent",
        )


class NoMobileError(ConflictError):
    """The citizen has no mobile number."""

    def __init__(self) -> None:
        super().__init__(
            "Borgeren har intet mobilnummer (mobile); tilføj det på borgeren først.",
            "The citizen has no mobile number (mobile); add it to the citizen first.",
            code="no_mobile",
        )


class ReminderNotCancellableError(ConflictError):
    """Only a queued message can be cancelled."""

    def __init__(self, status: str) -> None:
        super().__init__(
            f"Påmindelsen kan ikke annulleres: den er {status}, ikke i kø",
            f"The reminder cannot be cancelled: it is {status}, not queued",
            code="not_cancellable",
        )


class SendTimeError(ConflictError):
    """The sending time is after the appointment or already past."""

    def __init__(self, da: str, en: str) -> None:
        super().__init__(da, en, code="send_time")


class ReminderLinkError(ConflictError):
    """The placement or bus tour named does not belong to the citizen."""

    def __init__(self, field: str) -> None:
        super().__init__(
            f"{field} hører ikke til borgeren", f"{field} does not belong to the citizen"
        )


class DeliveryReportRefusedError(UnauthorizedError):
    """The delivery report did not carry the shared secret."""

    def __init__(self) -> None:
        super().__init__(
            "Leveringsrapporten mangler den delte hemmelighed eller har en forkert",
            "The delivery report lacks the shared secret or has a wrong one",
        )
