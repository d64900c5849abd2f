"""Signatures on records: who signed, when, a checked image, and the hash of what they signed.

A record that can be signed declares its signed content (``signed_content(version)``); the
hash stored with each signature proves later whether the record still reads as it was signed,
and the record's amendment events say exactly what changed since. The content is versioned:
when a record comes to cover more fields, new signatures hash the new version and older
signatures are still checked against the version they were given over.
"""

import hashlib
import json
import struct
import zlib

from peewee import BlobField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from models.core.db import BaseModel, now
from models.core.errors import N_, RuleError
from models.core.events import Event
from models.core.prepared import of_record
from models.core.users import User

MAX_SIGNATURE_BYTES = 200_000
MAX_WIDTH, MAX_HEIGHT = 2000, 1000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# bytes per pixel of the PNG colour types a signature pad produces, at 8 bits a sample
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


class Signature(BaseModel):
    """A signature on a record: who, when, on the screen or on paper, and what it covered."""

    subject = CharField(max_length=30)
    subject_id = IntegerField()
    kind = CharField(max_length=20)
    signer_name = CharField(max_length=60)
    signed_at = DateTimeField(default=now)
    image = BlobField(null=True)
    on_paper = BooleanField(default=False)
    content_hash = CharField(max_length=64)
    content_version = IntegerField(default=1)
    captured_by = ForeignKeyField(User, backref="+", lazy_load=False)

    class Meta:
        indexes = ((("subject", "subject_id"), False),)


def check_png(data):
    """The bytes of a sensible signature PNG, or RuleError on the ``signature`` field.

    A strict reading, not a sniff of the first bytes: the signature, IHDR first with a size a
    signature pad makes, every chunk's CRC, image data that inflates to exactly what the
    header announces (a compression bomb stops at that size), IEND last and nothing after it.
    """
    bad = RuleError(N_("The signature is not a valid image. Please sign again."), field="signature")
    if not isinstance(data, bytes | bytearray) or not data.startswith(PNG_MAGIC):
        raise bad
    if len(data) > MAX_SIGNATURE_BYTES:
        raise RuleError(N_("The signature image is too large."), field="signature")
    position, chunks, idat = len(PNG_MAGIC), [], []
    header = None
    while position < len(data):
        if position + 12 > len(data):
            raise bad
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        end = position + 12 + length
        if len(body) != length or end > len(data):
            raise bad
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) != crc:
            raise bad
        chunks.append(kind)
        if kind == b"IHDR":
            if chunks != [b"IHDR"] or length != 13:
                raise bad
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        position = end
        if kind == b"IEND":
            break
    if header is None or not idat or chunks[-1] != b"IEND" or position != len(data):
        raise bad
    width, height, depth, colour, compression, filtering, interlace = header
    if not (0 < width <= MAX_WIDTH and 0 < height <= MAX_HEIGHT):
        raise RuleError(N_("The signature image has an implausible size."), field="signature")
    if depth != 8 or colour not in _CHANNELS or compression or filtering or interlace:
        raise bad
    expected = height * (1 + width * _CHANNELS[colour])
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(b"".join(idat), expected + 1)
    except zlib.error:
        raise bad from None
    if len(raw) != expected or inflater.unconsumed_tail or not inflater.eof:
        raise bad
    return bytes(data)


# subject -> functions adding to what a signature covers (the charge of a job, from the money
# domain): extra(record) -> dict merged into the record's own signed content.
SIGNED_EXTRAS: dict[str, list] = {}


def sign_also(subject, extra):
    SIGNED_EXTRAS.setdefault(subject, []).append(extra)
    return extra


class Signed:
    """A record that can be signed: declares ``signed_content(version)``; signatures are kept
    per record with the hash of that content, and its version, at the moment of signing."""

    SIGNATURE_KINDS: dict = {}
    CONTENT_VERSION = 1  # what new signatures cover; older ones keep their own

    def signed_content(self, version=None):
        raise NotImplementedError

    def full_content(self, version=None):
        """The record's signed content (of ``version``, default the current one) with what
        other domains add to it."""
        content = dict(self.signed_content(version or self.CONTENT_VERSION))
        for extra in SIGNED_EXTRAS.get(self.subject, ()):
            content.update(extra(self))
        return content

    def content_version_for(self, kind):
        """The content version a new signature of ``kind`` covers (a record may give a kind
        its own content, such as a receipt for an item taken)."""
        return self.CONTENT_VERSION

    def content_hash(self, version=None):
        payload = json.dumps(self.full_content(version), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def signatures(self):
        """The record's signatures, oldest first (a list; its SQL built once)."""
        return list(_SIGNATURES.rows(self.subject, self.id))

    def add_signature(self, by, kind, signer_name, image=None, on_paper=False):
        """Store a signature over the record as it stands (call inside the signing transaction)."""
        if kind not in self.SIGNATURE_KINDS:
            raise RuleError(N_("Unknown kind of signature."))
        name = (signer_name or "").strip()
        if not name:
            raise RuleError(N_("Enter the name of the customer who signs."), field="signer_name")
        if image is not None:
            image = check_png(image)
        elif not on_paper:
            raise RuleError(N_("The customer's signature is missing."), field="signature")
        version = self.content_version_for(kind)
        return Signature.create(
            subject=self.subject,
            subject_id=self.id,
            kind=kind,
            signer_name=name[:60],
            image=image,
            on_paper=bool(on_paper),
            content_hash=self.content_hash(version),
            content_version=version,
            captured_by=by,
        )

    def signature_matches(self, signature):
        """Does the record still read exactly as it did when this signature was given?"""
        return signature.content_hash == self.content_hash(signature.content_version)

    def amended_after(self, signature):
        """The amendment events made after this signature (who, when, why, old -> new)."""
        return [e for e in Event.all_of(self) if e.action == "amend" and e.at >= signature.signed_at]

    def signature_checks(self):
        """(signature, still matches, amendment events after it) for each signature."""
        return [(s, self.signature_matches(s), self.amended_after(s)) for s in self.signatures()]


_SIGNATURES = of_record(Signature)
