"""What a technician's form brings: parts used, and the customer's signature."""

from models.core import N_, RuleError

MAX_PART_QUANTITY = 9999


def part_lines(parts):
    """(name, quantity) pairs as they will be stored; RuleError on a bad quantity."""
    lines = []
    for name, quantity in parts:
        name = (name or "").strip()
        if not name:
            continue
        if (
            not isinstance(quantity, int)
            or isinstance(quantity, bool)
            or not 1 <= quantity <= MAX_PART_QUANTITY
        ):
            raise RuleError(N_("A part's quantity must be a whole number from 1 to 9999."), field="parts")
        lines.append((name[:100], quantity))
    return lines


def checked_signature(signature):
    """(signer name, PNG bytes or None, on paper) from a signature dict, refused when empty."""
    signature = dict(signature or {})
    name = (signature.get("signer_name") or "").strip()
    if not name:
        raise RuleError(N_("Enter the name of the customer who signs."), field="signer_name")
    image = signature.get("image")
    if image is None and not signature.get("on_paper"):
        raise RuleError(N_("The customer's signature is missing."), field="signature")
    return name, image, bool(signature.get("on_paper"))
