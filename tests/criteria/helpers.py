"""Payloads of the criteria tests, each a fresh copy a test may change before importing:
`catalogue_payload()` (seven categories, nine criteria, both schemes), `successor_payload()`
(its v2), `two_category_payload()` (two categories, four criteria), `big_payload()` (about
500 criteria) and `demo_payload()` (the shipped demo); `import_catalogue()` imports (and
publishes) one; `content_counts()` counts the rows of every catalogue table."""

import copy
from typing import Any

from criteria.demo import demo_catalogue_data
from criteria.interchange import FORMAT
from criteria.models import (
    AssessmentCriterion,
    AssessmentScheme,
    CatalogueVersion,
    Category,
    Criterion,
    SubjectArea,
)
from criteria.services.catalogue import catalogue_import

CATEGORIES = [
    ("2.1", "interoperability", "Interoperability", "Interoperabilität"),
    ("2.2", "infrastructure", "Infrastructure", "Infrastruktur"),
    ("2.3", "extensibility", "Extensibility", "Erweiterbarkeit"),
    ("2.4", "interfaces", "Interfaces", "Schnittstellen"),
    ("2.5", "standards", "Standards", "Standards"),
    ("2.6", "architecture", "Architecture", "Architektur"),
    ("2.7", "partnership", "Partnership", "Partnerschaft"),
]

# (code, obligation, applies_to, English title, German title, English text, German text)
CRITERIA: dict[str, list[tuple[str, str, list[str], str, str, str, str]]] = {
    "2.1": [
        (
            "2.1.1",
            "shall",
            ["it_vendor"],
            "Neutral exchange formats",
            "Neutrale Austauschformate",
            "The system exports its product data in an openly documented format.",
            "Das System exportiert seine Produktdaten in einem offen dokumentierten Format.",
        ),
        (
            "2.1.2",
            "should",
            ["it_vendor", "it_service_provider"],
            "Preserved identifiers",
            "Erhaltene Kennungen",
            "Exchanged objects keep their identifiers and versions.",
            "Ausgetauschte Objekte behalten ihre Kennungen und Versionen.",
        ),
    ],
    "2.2": [
        (
            "2.2.1",
            "may",
            ["it_customer"],
            "Documented operating environment",
            "Dokumentierte Betriebsumgebung",
            "The customer documents the operating environment of its systems.",
            "Der Kunde dokumentiert die Betriebsumgebung seiner Systeme.",
        ),
    ],
    "2.3": [
        (
            "2.3.1",
            "shall",
            ["it_vendor"],
            "Development environment for extensions",
            "Entwicklungsumgebung für Erweiterungen",
            "The vendor offers a development environment so customers can build extensions.",
            "Der Anbieter bietet eine Entwicklungsumgebung, mit der Kunden Erweiterungen bauen.",
        ),
    ],
    "2.4": [
        (
            "2.4.1",
            "shall",
            ["it_vendor", "it_service_provider"],
            "Documented interfaces",
            "Dokumentierte Schnittstellen",
            "Offered interfaces are documented understandably and maintained regularly.",
            "Angebotene Schnittstellen sind verständlich dokumentiert und werden gepflegt.",
        ),
        (
            "2.4.2",
            "should",
            ["it_vendor"],
            "Stable interfaces",
            "Stabile Schnittstellen",
            "Interfaces stay stable across minor releases.",
            "Schnittstellen bleiben über kleinere Versionen hinweg stabil.",
        ),
    ],
    "2.5": [
        (
            "2.5.1",
            "should",
            ["it_customer", "it_vendor", "it_service_provider"],
            "Use of standards",
            "Nutzung von Standards",
            "Established standards are preferred over proprietary formats.",
            "Etablierte Standards werden proprietären Formaten vorgezogen.",
        ),
    ],
    "2.6": [
        (
            "2.6.1",
            "may",
            ["it_vendor"],
            "Modular architecture",
            "Modulare Architektur",
            "The system is built from modules that can be replaced.",
            "Das System besteht aus austauschbaren Modulen.",
        ),
    ],
    "2.7": [
        (
            "2.7.1",
            "shall",
            ["it_customer", "it_vendor", "it_service_provider"],
            "Openness in contracts",
            "Offenheit in Verträgen",
            "Contracts do not forbid the exchange of the customer's data.",
            "Verträge verbieten den Austausch der Kundendaten nicht.",
        ),
    ],
}

ORGANIZATIONAL_AREAS = [
    ("1", "Management", "Management"),
    ("2", "Transparency", "Transparenz"),
    ("3", "Quality management", "Qualitätsmanagement"),
    ("4", "Product lifecycle planning", "Produktlebenszyklusplanung"),
    ("5", "Organizational measures to safeguard interfaces", "Schnittstellen absichern"),
    ("6", "Organizational measures to promote integration", "Integration fördern"),
    ("7", "Customer focus", "Kundenorientierung"),
    ("8", "Organizational measures to provide for modularization", "Modularisierung"),
]


def _texts(en: str, de: str, languages: list[str]) -> dict[str, str]:
    return {lang: text for lang, text in (("en", en), ("de", de)) if lang in languages}


def catalogue_payload(
    code: str = "v1", *, languages: list[str] | None = None, demo: bool = False
) -> dict[str, Any]:
    """A valid small catalogue: seven categories, nine criteria, both schemes."""
    languages = languages or ["en", "de"]
    categories = []
    for number, key, en, de in CATEGORIES:
        categories.append(
            {
                "number": number,
                "key": key,
                "title": _texts(en, de, languages),
                "description": _texts(f"About {en.lower()}.", f"Über {de}.", languages),
                "criteria": [
                    {
                        "code": c_code,
                        "title": _texts(t_en, t_de, languages),
                        "text": _texts(x_en, x_de, languages),
                        "obligation": obligation,
                        "applies_to": list(groups),
                        "evidence_required": obligation == "shall",
                    }
                    for c_code, obligation, groups, t_en, t_de, x_en, x_de in CRITERIA[number]
                ],
            }
        )
    organizational = {
        "kind": "organizational",
        "title": _texts("Organizational scheme", "Organisatorisches Schema", languages),
        "pass_rule": {"should_share": 0.75, "validity_months": 36, "surveillance_months": 12},
        "subject_areas": [
            {
                "number": number,
                "title": _texts(en, de, languages),
                "criteria": [
                    {
                        "code": f"O-{number}.1",
                        "title": _texts(f"Check {en.lower()}", f"Prüfung {de}", languages),
                        "text": _texts(
                            f"The organization shows {en.lower()}.",
                            f"Die Organisation zeigt {de}.",
                            languages,
                        ),
                        "obligation": "shall" if number == "1" else "should",
                        "verifies": ["2.7.1", "2.4.1"] if number == "1" else ["2.5.1"],
                    }
                ],
            }
            for number, en, de in ORGANIZATIONAL_AREAS
        ],
    }
    product = {
        "kind": "product",
        "title": _texts("Product scheme", "Produktschema", languages),
        "pass_rule": {"should_share": 0.8, "validity_months": 24, "surveillance_months": 12},
        "subject_areas": [
            {
                "category": number,
                "criteria": [
                    {
                        "code": f"P-{c[0]}",
                        "title": _texts(f"Verify {c[3]}", f"Prüfe {c[4]}", languages),
                        "text": _texts(
                            f"The auditor verifies: {c[5]}", f"Der Auditor prüft: {c[6]}", languages
                        ),
                        "obligation": c[1],
                        "verifies": [c[0]],
                    }
                    for c in CRITERIA[number]
                ],
            }
            for number, *_rest in CATEGORIES
        ],
    }
    return {
        "format": FORMAT,
        "version": code,
        "title": _texts(f"Catalogue {code}", f"Katalog {code}", languages),
        "languages": languages,
        "demo": demo,
        "notes": _texts(f"Notes on {code}.", f"Anmerkungen zu {code}.", languages),
        "categories": categories,
        "schemes": [organizational, product],
    }


def criterion_entry(payload: dict[str, Any], code: str) -> dict[str, Any]:
    for category in payload["categories"]:
        for criterion in category["criteria"]:
            if criterion["code"] == code:
                return criterion
    raise KeyError(code)


def successor_payload(code: str = "v2") -> dict[str, Any]:
    """v1 with 2.9.9 added, 2.6.1 removed, 2.1.2 reworded, 2.4.2 raised from should to shall."""
    payload = catalogue_payload(code)
    interfaces = payload["categories"][3]["criteria"]
    payload["categories"][5]["criteria"] = [
        {
            "code": "2.6.2",
            "title": {"en": "Replaceable components", "de": "Austauschbare Komponenten"},
            "text": {
                "en": "Components can be replaced one at a time.",
                "de": "Komponenten lassen sich einzeln austauschen.",
            },
            "obligation": "should",
            "applies_to": ["it_vendor"],
        }
    ]
    reworded = criterion_entry(payload, "2.1.2")
    reworded["text"] = {
        "en": "Exchanged objects keep their identifiers, versions and relationships.",
        "de": "Ausgetauschte Objekte behalten ihre Kennungen, Versionen und Beziehungen.",
    }
    raised = interfaces[1]
    assert raised["code"] == "2.4.2"
    raised["obligation"] = "shall"
    # 2.6.1 is gone, so the product scheme verifies the new 2.6.2 instead.
    for area in payload["schemes"][1]["subject_areas"]:
        if area["category"] == "2.6":
            area["criteria"] = [
                {
                    "code": "P-2.6.2",
                    "title": {"en": "Verify components", "de": "Prüfe Komponenten"},
                    "text": {"en": "The auditor replaces one.", "de": "Der Auditor tauscht."},
                    "obligation": "should",
                    "verifies": ["2.6.2"],
                }
            ]
    return payload


def import_catalogue(payload: dict[str, Any], *, publish: bool = True) -> CatalogueVersion:
    version, _outcome = catalogue_import(data=copy.deepcopy(payload), by=None, publish=publish)
    return version


def big_payload(code: str, *, per_category: int = 72, changed_every: int = 0) -> dict[str, Any]:
    """About 500 criteria across the seven categories (7 × 72 = 504 by default).

    With changed_every=n, every n-th criterion is reworded and every 2n-th changes its
    obligation, so two such payloads make a realistic diff.
    """
    obligations = ["shall", "should", "may"]
    groups = ["it_customer", "it_vendor", "it_service_provider"]
    categories = []
    n = 0
    for number, key, en, de in CATEGORIES:
        criteria = []
        for i in range(1, per_category + 1):
            n += 1
            changed = bool(changed_every) and n % changed_every == 0
            obligation = obligations[n % 3]
            if changed and n % (2 * changed_every) == 0:
                obligation = obligations[(n + 1) % 3]
            suffix = " and keeps it current" if changed else ""
            suffix_de = " und hält sie aktuell" if changed else ""
            criteria.append(
                {
                    "code": f"{number}.{i}",
                    "title": {"en": f"{en} requirement {i}", "de": f"{de} Anforderung {i}"},
                    "text": {
                        "en": f"The system meets {en.lower()} requirement {i} in a documented "
                        f"way that customers can check{suffix}.",
                        "de": f"Das System erfüllt die Anforderung {i} zu {de} "
                        f"nachvollziehbar{suffix_de}.",
                    },
                    "obligation": obligation,
                    "applies_to": [groups[n % 3], groups[(n + 1) % 3]],
                }
            )
        categories.append(
            {
                "number": number,
                "key": key,
                "title": {"en": en, "de": de},
                "description": {"en": f"About {en}.", "de": f"Über {de}."},
                "criteria": criteria,
            }
        )
    product = {
        "kind": "product",
        "title": {"en": "Product scheme", "de": "Produktschema"},
        "subject_areas": [
            {
                "category": c["number"],
                "criteria": [
                    {
                        "code": f"P-{cr['code']}",
                        "title": {"en": "Check", "de": "Prüfung"},
                        "text": {"en": "The auditor checks.", "de": "Der Auditor prüft."},
                        "obligation": cr["obligation"],
                        "verifies": [cr["code"]],
                    }
                    for cr in c["criteria"]
                ],
            }
            for c in categories
        ],
    }
    return {
        "format": FORMAT,
        "version": code,
        "title": {"en": f"Big {code}", "de": f"Groß {code}"},
        "languages": ["en", "de"],
        "categories": categories,
        "schemes": [product],
    }


def two_category_payload(
    version: str = "test-1", *, languages: tuple[str, ...] = ("en", "de")
) -> dict[str, Any]:
    """A small but complete payload: 2.1 (two criteria) and 2.4 (two criteria), both schemes
    with mapping links; a fresh copy on every call."""

    def t(en: str, de: str) -> dict[str, str]:
        return _texts(en, de, list(languages))

    payload = {
        "format": "cpo-catalogue/1",
        "version": version,
        "title": t("Test catalogue", "Testkatalog"),
        "languages": list(languages),
        "demo": False,
        "notes": t("For tests only.", "Nur für Tests."),
        "categories": [
            {
                "number": "2.1",
                "key": "interoperability",
                "title": t("Interoperability", "Interoperabilität"),
                "description": t("Working together.", "Zusammenarbeit."),
                "criteria": [
                    {
                        "code": "2.1.1",
                        "title": t("Neutral formats", "Neutrale Formate"),
                        "text": t(
                            "The system exports its data in a neutral format.",
                            "Das System exportiert seine Daten in einem neutralen Format.",
                        ),
                        "obligation": "shall",
                        "applies_to": ["it_vendor"],
                        "evidence_required": True,
                    },
                    {
                        "code": "2.1.2",
                        "title": t("Complete export", "Vollständiger Export"),
                        "text": t(
                            "Customers can export all their data without help.",
                            "Kunden können alle ihre Daten ohne Hilfe exportieren.",
                        ),
                        "obligation": "should",
                        "applies_to": ["it_vendor", "it_service_provider"],
                        "justification_required": True,
                    },
                ],
            },
            {
                "number": "2.4",
                "key": "interfaces",
                "title": t("Interfaces", "Schnittstellen"),
                "criteria": [
                    {
                        "code": "2.4.1",
                        "title": t("Documented interfaces", "Dokumentierte Schnittstellen"),
                        "text": t(
                            "Every offered interface is documented and maintained.",
                            "Jede angebotene Schnittstelle ist dokumentiert und gepflegt.",
                        ),
                        "obligation": "shall",
                        "applies_to": ["it_vendor", "it_service_provider"],
                        "evidence_required": True,
                    },
                    {
                        "code": "2.4.2",
                        "title": t("Interface roadmap", "Schnittstellen-Roadmap"),
                        "text": t(
                            "The customer plans its interfaces with a roadmap.",
                            "Der Kunde plant seine Schnittstellen mit einer Roadmap.",
                        ),
                        "obligation": "may",
                        "applies_to": ["it_customer"],
                        "not_applicable_allowed": True,
                    },
                ],
            },
        ],
        "schemes": [
            {
                "kind": "organizational",
                "title": t("Organizational scheme", "Organisatorisches Schema"),
                "pass_rule": {
                    "should_share": 0.75,
                    "validity_months": 36,
                    "surveillance_months": 12,
                },
                "subject_areas": [
                    {
                        "number": "5",
                        "title": t("Safeguarding interfaces", "Sicherung von Schnittstellen"),
                        "criteria": [
                            {
                                "code": "O-5.1",
                                "title": t("Interface owner", "Schnittstellenverantwortung"),
                                "text": t(
                                    "Every interface has a named owner.",
                                    "Jede Schnittstelle hat eine verantwortliche Person.",
                                ),
                                "obligation": "shall",
                                "evidence_required": True,
                                "verifies": ["2.4.1"],
                            }
                        ],
                    }
                ],
            },
            {
                "kind": "product",
                "title": t("Product scheme", "Produktschema"),
                "subject_areas": [
                    {
                        "category": "2.4",
                        "criteria": [
                            {
                                "code": "P-2.4.1",
                                "title": t("Documentation sample", "Stichprobe"),
                                "text": t(
                                    "The auditor checks a sample of interfaces.",
                                    "Die Auditorin prüft eine Stichprobe von Schnittstellen.",
                                ),
                                "obligation": "should",
                                "verifies": ["2.4.1", "2.1.1"],
                            }
                        ],
                    }
                ],
            },
        ],
    }
    return copy.deepcopy(payload)


def demo_payload() -> dict[str, Any]:
    """The shipped demo catalogue, parsed (once per process; a fresh copy on every call)."""
    return demo_catalogue_data()


def content_counts() -> dict[str, int]:
    """Rows of every catalogue table: an import that was refused must not change them."""
    return {
        "versions": CatalogueVersion.objects.count(),
        "categories": Category.objects.count(),
        "criteria": Criterion.objects.count(),
        "schemes": AssessmentScheme.objects.count(),
        "areas": SubjectArea.objects.count(),
        "assessment_criteria": AssessmentCriterion.objects.count(),
        "mappings": AssessmentCriterion.verifies.through.objects.count(),
    }
