"""Sign-in stages the tests place in ``SIGN_IN_STAGES``: each records the attempts it saw."""

from http import HTTPStatus

from accounts.sign_in import PASS, Ask, Passed, Refuse, SignInAttempt

seen: list[SignInAttempt] = []
VERDICT = "verdict"  # a test's answer: what ``decide`` returns


def record(attempt: SignInAttempt) -> Passed:
    """Passes, after noting the attempt."""
    seen.append(attempt)
    return PASS


def refuse(attempt: SignInAttempt) -> Refuse:
    seen.append(attempt)
    return Refuse("device_not_allowed", "This device may not sign in.", HTTPStatus.FORBIDDEN, extra={"hint": "ask"})


def prove(attempt: SignInAttempt) -> Passed:
    """Passes, having proven a method of its own (it joins the session's ``amr``)."""
    seen.append(attempt)
    return Passed(proved=("hwk",))


def ask_without_hold(attempt: SignInAttempt) -> Ask:
    """Asks for something no app can hold the attempt for: answered like a refusal."""
    seen.append(attempt)
    return Ask("terms_required", "Accept the terms first.", HTTPStatus.FORBIDDEN)


def rate_limited(attempt: SignInAttempt) -> Refuse:
    seen.append(attempt)
    return Refuse.rate_limited(42.5)
