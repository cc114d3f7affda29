"""Pictures in the annual report: checked like evidence by their content (the floor's
cpo_portal/uploads.py), kept private until the report is published, served only through the
report's view, deleted by the Core Team and the office while a draft."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled
from PIL import ExifTags, Image

from community.models import ReportImage
from community.services import reports as services
from cpo_portal import uploads
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from tests.community.factories import (
    AnnualReportFactory,
    ReportImageFactory,
    ReportSectionFactory,
    picture,
)

pytestmark = pytest.mark.django_db

PNG = picture("PNG")
JPEG = picture("JPEG")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def report(core_team):
    return AnnualReportFactory()


@pytest.fixture
def section(report):
    return ReportSectionFactory(report=report, title="Foreword", body="Welcome.")


def add(report, by, name, content, **kwargs):
    return services.report_image_add(
        report=report,
        by=by,
        upload=SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        caption=kwargs.pop("caption", "The Core Team"),
        alt_text=kwargs.pop("alt_text", "Five people in front of a whiteboard."),
        **kwargs,
    )


# --- Checked by content --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("team.png", PNG, "image/png", "png"),
        ("team.jpg", JPEG, "image/jpeg", "jpg"),
        ("TEAM.JPEG", JPEG, "image/jpeg", "jpg"),
    ],
)
def test_png_and_jpeg_are_accepted_and_stored_under_a_random_name(
    report, section, alice, name, content, content_type, extension
):
    image = add(report, alice, name, content, section=section)

    assert image.content_type == content_type
    assert image.section == section and image.uploaded_by == alice
    assert image.file.name.startswith("reports/images/")
    assert image.file.name.endswith(f".{extension}") and name not in image.file.name
    with image.file.open("rb") as handle:
        stored = handle.read()
    # Stored re-encoded (without metadata), hashed as stored, still the same picture.
    assert image.sha256 == hashlib.sha256(stored).hexdigest()
    assert Image.open(io.BytesIO(stored)).size == Image.open(io.BytesIO(content)).size
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="report.image_added")
    assert entry.data["caption"] == "The Core Team"


def camera_photo(orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: GPS position, camera make and serial, an XMP packet and
    a comment beside the pixels; the red corner marks the picture's top left."""
    photo = Image.new("RGB", (40, 20), "#1f5f8b")
    photo.paste((255, 0, 0), (0, 0, 10, 10))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.BodySerialNumber] = "SERIAL-4711"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 46.0, 37.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (9.0, 10.0, 58.0)
    buffer = io.BytesIO()
    photo.save(
        buffer,
        format="JPEG",
        exif=exif,
        comment=b"Home of the photographer",
        xmp=b"<x:xmpmeta><rdf:RDF>Home of the photographer</rdf:RDF></x:xmpmeta>",
        quality=90,
    )
    return buffer.getvalue()


def test_a_photo_is_stored_without_its_gps_position_and_other_metadata(report, alice):
    content = camera_photo()
    assert b"PhoneMaker" in content and b"Home of the photographer" in content

    image = add(report, alice, "team.jpg", content)

    with image.file.open("rb") as handle:
        stored = handle.read()
    for secret in (b"Exif", b"PhoneMaker", b"SERIAL-4711", b"Home of the photographer"):
        assert secret not in stored
    with Image.open(io.BytesIO(stored)) as picture_stored:
        assert picture_stored.format == "JPEG" and picture_stored.size == (40, 20)
        exif = picture_stored.getexif()
        assert not exif and not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert "comment" not in picture_stored.info and "xmp" not in picture_stored.info
    assert image.sha256 == hashlib.sha256(stored).hexdigest()


def test_a_photo_taken_sideways_is_stored_upright(report, alice):
    # Orientation 6: the camera was turned; viewers rotate the picture 90° clockwise.
    image = add(report, alice, "team.jpg", camera_photo(orientation=6))

    with image.file.open("rb") as handle, Image.open(handle) as stored:
        assert stored.size == (20, 40) and not stored.getexif()
        red, green, blue = stored.convert("RGB").getpixel((17, 2))  # now the top right
        assert red > 200 and green < 60 and blue < 60


def test_a_png_loses_its_text_chunks_but_keeps_its_transparency(report, alice):
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Doe, Home Street 1")
    logo = Image.new("RGBA", (30, 10), (0, 0, 0, 0))
    logo.paste((31, 95, 139, 255), (0, 0, 15, 10))
    buffer = io.BytesIO()
    logo.save(buffer, format="PNG", pnginfo=text)

    image = add(report, alice, "logo.png", buffer.getvalue())

    with image.file.open("rb") as handle:
        stored = handle.read()
    assert b"Jane Doe" not in stored
    with Image.open(io.BytesIO(stored)) as picture_stored:
        assert picture_stored.mode == "RGBA"
        assert picture_stored.getpixel((20, 5))[3] == 0
        assert picture_stored.getpixel((2, 5)) == (31, 95, 139, 255)


REFUSED = [
    ("svg", "logo.svg", SVG, "file_type"),
    ("svg named png", "logo.png", SVG, "file_type"),
    ("executable named png", "photo.png", EXE, "file_type"),
    ("pdf named png", "photo.png", PDF, "file_type"),
    ("png named jpg", "photo.jpg", PNG, "file_type"),
    ("no extension", "photo", PNG, "file_type"),
    ("truncated png", "photo.png", PNG[:40], "file_type"),
    ("png header only", "photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "file_type"),
    ("empty", "photo.png", b"", "empty"),
    ("too wide", "banner.png", picture("PNG", (uploads.MAX_IMAGE_SIDE + 1, 2), "1"), "dimensions"),
    ("too many pixels", "bomb.png", picture("PNG", (7000, 7000), "1"), "dimensions"),
]


@pytest.mark.parametrize(
    ("name", "content", "code"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_anything_else_is_refused_and_nothing_is_stored(report, alice, name, content, code):
    with pytest.raises(DomainError) as caught:
        add(report, alice, name, content)

    assert caught.value.code == code
    assert ReportImage.objects.count() == 0
    assert stored_files() == []


def test_too_large_is_refused(report, alice, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_BYTES", len(PNG) - 1)

    with pytest.raises(DomainError) as caught:
        add(report, alice, "team.png", PNG)
    assert caught.value.code == "too_large"
    assert stored_files() == []


def test_a_text_alternative_and_a_caption_are_required(report, alice):
    with pytest.raises(ValidationError) as caught:
        add(report, alice, "team.png", PNG, alt_text="  ")
    assert "alt_text" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        add(report, alice, "team.png", PNG, caption="")
    assert "caption" in caught.value.message_dict
    assert stored_files() == []


def test_a_section_of_another_report_is_refused(report, alice):
    other = ReportSectionFactory(report=AnnualReportFactory(year=2001))

    with pytest.raises(DomainError):
        add(report, alice, "team.png", PNG, section=other)
    assert stored_files() == []


def test_only_the_core_team_and_the_office_add_images(report, bob, stranger, office_user):
    for user in (bob, stranger, None):
        with pytest.raises(DomainError):
            add(report, user, "team.png", PNG)
    assert add(report, office_user, "logo.png", PNG).uploaded_by == office_user


def test_a_published_report_takes_no_images_and_loses_none(core_team, alice):
    report = AnnualReportFactory(published=True)
    image = ReportImageFactory(report=report)

    with pytest.raises(DomainError) as caught:
        add(report, alice, "team.png", PNG)
    assert caught.value.code == "published"
    with pytest.raises(DomainError):
        services.report_image_delete(image=image, by=alice)
    assert ReportImage.objects.count() == 1


def test_deleting_an_image_removes_its_file_after_commit(
    report, alice, django_capture_on_commit_callbacks
):
    image = add(report, alice, "team.png", PNG)
    assert len(stored_files()) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.report_image_delete(image=image, by=alice)

    assert ReportImage.objects.count() == 0
    assert stored_files() == []
    with scopes_disabled():
        assert ActivityEntry.objects.filter(verb="report.image_deleted").count() == 1


def test_the_certification_evidence_check_uses_the_same_sniffer():
    from certification import uploads as evidence

    assert evidence.PNG is uploads.PNG and evidence.JPEG is uploads.JPEG
    assert evidence.sniff(io.BytesIO(PNG)) is uploads.PNG


# --- Served through the view, private until published -------------------------------------


def test_a_draft_image_is_seen_by_the_core_team_and_the_office_only(
    client, report, alice, bob, stranger, office_user
):
    image = ReportImageFactory(report=report)
    url = reverse("community:report_image", args=[report.year, image.pk])

    assert client.get(url).status_code == 404  # visitors: no sign-in prompt, nothing
    for outsider in (bob, stranger):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    for editor in (alice, office_user):
        client.force_login(editor)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == picture()


def test_a_published_image_is_public_and_shown_with_its_text(client, core_team):
    report = AnnualReportFactory(published=True)
    section = ReportSectionFactory(report=report, title="Foreword", body="Welcome.")
    image = ReportImageFactory(report=report, section=section, caption="Our team")
    url = reverse("community:report_image", args=[report.year, image.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=300"
    page = client.get(reverse("community:report", args=[report.year])).content.decode()
    assert f'src="{url}"' in page
    assert 'alt="Five people in front of a whiteboard."' in page
    assert page.index("Welcome.") < page.index("Our team")  # after its section's text
    assert "/media/" not in page
    # Another report's number does not reach it.
    other = AnnualReportFactory(year=2001, published=True)
    elsewhere = reverse("community:report_image", args=[other.year, image.pk])
    assert client.get(elsewhere).status_code == 404


def test_the_core_team_uploads_through_the_page(client, report, section, alice):
    client.force_login(alice)
    url = reverse("community:report_image_new", args=[report.year])
    assert client.get(url).status_code == 200

    refused = client.post(
        url,
        {
            "file": SimpleUploadedFile("logo.svg", SVG),
            "caption": "Logo",
            "alt_text": "The CPO logo.",
        },
    )
    assert refused.status_code == 400
    assert "file" in refused.context["form"].errors
    assert ReportImage.objects.count() == 0

    response = client.post(
        url,
        {
            "file": SimpleUploadedFile("team.jpg", JPEG),
            "caption": "Our team",
            "alt_text": "Five people.",
            "section": section.pk,
        },
    )
    assert response.status_code == 302
    image = ReportImage.objects.get()
    assert image.section == section and image.content_type == "image/jpeg"
    editor = client.get(reverse("community:report_edit", args=[report.year])).content.decode()
    assert reverse("community:report_image", args=[report.year, image.pk]) in editor


def test_deleting_through_the_page_asks_first(client, report, alice, bob):
    image = ReportImageFactory(report=report)
    url = reverse("community:report_image_delete", args=[report.year, image.pk])
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404

    client.force_login(alice)
    confirm = client.get(url)
    assert confirm.status_code == 200 and b"Delete the image" in confirm.content
    assert ReportImage.objects.count() == 1
    assert client.post(url).status_code == 302
    assert ReportImage.objects.count() == 0


def test_the_public_api_lists_the_pictures(client, core_team):
    report = AnnualReportFactory(published=True)
    ReportSectionFactory(report=report, body="Text.")
    image = ReportImageFactory(report=report)

    data = client.get(f"/api/v1/community/reports/{report.year}/").json()

    assert data["images"] == [
        {
            "url": reverse("community:report_image", args=[report.year, image.pk]),
            "caption": "The Core Team",
            "alt_text": "Five people in front of a whiteboard.",
            "content_type": "image/png",
            "sha256": image.sha256,
            "section": None,
        }
    ]
