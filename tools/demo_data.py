#!/usr/bin/env python3
"""Realistic French demo data for ``account_dunning``.

Usage::

    python3 tools/demo_data.py --database DB --addons-path PATH [--date YYYY-MM-DD]

The database must already have ``l10n_fr_account`` and ``account_dunning``
installed.  The script turns the main company into "Atelier Durand SAS" (an
industrial maintenance workshop in Lyon) with the French chart of accounts,
activates French, then creates ~30 customers and ~300 customer invoices whose due
dates spread from 90 days overdue to 30 days ahead of ``--date``, and lives the
last 90 nights (`_simulate`): each day the invoices, credit notes and transfers
of that day are booked, the credit team works on working days (formal notices
approved, letters printed, calls logged with promises kept or broken, a dispute,
two payment schedules, one honoured and one not) and the nightly run
(``account.dunning.run``, dated that night) escalates.  The clock is set to each
day with freezegun, as Odoo's dialogs read today's date from it.  The work of
the last two nights is left in the work queue.

``populate(env, today=None, n_invoices=300, days=90)`` can be called from code
(tests, shell) as well.  Everything is deterministic for a given ``today`` (fixed
random seed).  No email leaves: the demo has no mail server, the emails of each
night are handed over as sent (`_hand_over_emails`) and every address is
``.example``.

Gotchas:

* Emails use the reserved ``.example`` top-level domain and phone numbers come
  from the ranges reserved for fiction (ARCEP: 01 99 00, 04 65 71, 06 39 98;
  Ofcom: 0161 496 0xxx), so a dunning run can never reach a real person.
* The main company of a fresh database carries the ``generic_coa`` chart;
  ``try_loading('fr', company)`` replaces it (allowed as long as no journal item
  exists).  If the main company already has accounting entries under another
  chart, a new company is created instead.
"""

import argparse
import base64
import datetime
import random
import sys
import time
from collections import defaultdict

SEED = 20250117
COMPANY_NAME = "Atelier Durand SAS"
MAIL_DOMAIN_SUFFIX = ".example"  # RFC 2606 reserved TLD: never delivered
N_INVOICES = 300

# ---------------------------------------------------------------------------
# Identifier helpers (checksum-valid SIREN / SIRET / VAT / IBAN)
# ---------------------------------------------------------------------------


def _luhn_check_digit(digits):
    """Return the digit that makes ``digits + digit`` Luhn-valid."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 0:  # these positions get doubled once the check digit is added
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def make_siren(rng, prefix=""):
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(8 - len(prefix)))
    if body[0] == "0":
        body = "8" + body[1:]
    return body + _luhn_check_digit(body)


def make_siret(rng, siren, nic=None):
    body = siren + (nic or f"{rng.randint(1, 9):04d}")
    return body + _luhn_check_digit(body)


def fr_vat(siren):
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def be_vat(rng):
    body = (
        "0" + str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(6))
    )
    return f"BE{body}{97 - int(body) % 97:02d}"


def gb_vat(rng):
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
    weighted = sum(w * d for w, d in zip(range(8, 1, -1), digits, strict=True))
    check = (-weighted) % 97
    return "GB" + "".join(map(str, digits)) + f"{check:02d}"


def _letters_to_digits(text):
    return "".join(str(int(c, 36)) for c in text)


def fr_iban(bank_code, branch_code, account_number):
    """Build a valid French IBAN (RIB key + IBAN check digits), digits only."""
    rib_key = 97 - (
        (89 * int(bank_code) + 15 * int(branch_code) + 3 * int(account_number)) % 97
    )
    bban = f"{bank_code}{branch_code}{account_number}{rib_key:02d}"
    check = 98 - int(_letters_to_digits(bban + "FR00")) % 97
    iban = f"FR{check:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _email(local, slug):
    return f"{local}@{slug}{MAIL_DOMAIN_SUFFIX}"


# ---------------------------------------------------------------------------
# Static data
# ---------------------------------------------------------------------------

# key, name, street, zip, city, term, profile, volume, salesperson, contact
# term: immediate | net30 | eom45 ; profile: good | normal | slow | bad
# contact: (name, function, email local part) or None
SMES = [
    ("martin", "Boulangerie Artisanale Martin", "18 rue Mercière", "69002", "Lyon",
     "immediate", "good", 2, "camille", ("Élodie Martin", "Gérante", "elodie")),
    ("girard", "Menuiserie Girard & Fils SARL", "7 chemin des Platanes", "69570",
     "Dardilly", "net30", "slow", 3, "camille",
     ("Thierry Girard", "Gérant", "t.girard")),
    ("tral", "Transports Rhône-Alpes Logistique SAS", "ZI Mi-Plaine, 3 rue Ampère",
     "69800", "Saint-Priest", "eom45", "normal", 4, "camille",
     ("Karine Lopez", "Responsable comptabilité", "compta")),
    ("lumiere", "Imprimerie Lumière SARL", "45 cours Gambetta", "69007", "Lyon",
     "net30", "normal", 3, "camille", None),
    ("moreau", "Garage Moreau Automobiles", "112 avenue Jean Jaurès", "69100",
     "Villeurbanne", "net30", "bad", 3, "camille",
     ("Patrick Moreau", "Gérant", "patrick")),
    ("brasserie", "Brasserie du Vieux Lyon", "3 place du Change", "69005", "Lyon",
     "immediate", "slow", 2, False, None),
    ("bernard", "Plasturgie Bernard SAS", "14 rue de l'Industrie", "01100",
     "Oyonnax", "eom45", "normal", 4, "camille",
     ("Sylvie Bernard", "Directrice administrative et financière", "s.bernard")),
    ("fromagerie", "Fromagerie des Monts du Lyonnais", "2 route de Saint-Martin",
     "69850", "Saint-Martin-en-Haut", "net30", "good", 2, False, None),
    ("veto", "Clinique Vétérinaire des Brotteaux", "60 boulevard des Belges",
     "69006", "Lyon", "immediate", "good", 1, False, None),
    ("fabre", "Mécanique de Précision Fabre", "9 rue Jacquard", "42000",
     "Saint-Étienne", "eom45", "slow", 4, "camille",
     ("Laurent Fabre", "Président", "l.fabre")),
    ("beaujolais", "Cave Coopérative du Beaujolais", "290 route du Beaujolais",
     "69220", "Belleville-en-Beaujolais", "net30", "normal", 2, False, None),
    ("petit", "Blanchisserie Industrielle Petit", "21 rue du Dauphiné", "38090",
     "Villefontaine", "net30", "bad", 3, "camille",
     ("Nadia Petit", "Comptable", "comptabilite")),
    ("rousseau", "Scierie Rousseau SARL", "Le Bourg", "38160", "Saint-Marcellin",
     "net30", "normal", 2, False, None),
    ("biotech", "Laboratoire Biotech Alpes SAS", "5 chemin du Vieux Chêne",
     "38240", "Meylan", "eom45", "good", 3, "camille",
     ("Claire Dumas", "Comptable fournisseurs", "ap")),
    ("bellecour", "Hôtel Restaurant Le Grand Bellecour", "4 place Bellecour",
     "69002", "Lyon", "immediate", "slow", 2, False, None),
    ("vincent", "Chocolaterie Vincent SAS", "27 rue de la République", "26000",
     "Valence", "net30", "normal", 2, "camille", None),
    ("confluence", "Agence Web Confluence SARL", "112 cours Charlemagne", "69002",
     "Lyon", "net30", "bad", 2, False,
     ("Mehdi Benali", "Cofondateur", "mehdi")),
    ("lefebvre", "BTP Lefebvre Construction", "88 route de Vienne", "69008",
     "Lyon", "eom45", "slow", 3, "camille",
     ("Sandrine Lefebvre", "Assistante de direction", "administratif")),
    ("dubois", "Textiles Dubois SA", "16 rue Pierre Sémard", "42300", "Roanne",
     "net30", "normal", 3, False, None),
    ("pharmacie", "Pharmacie Centrale de Villeurbanne", "1 place Lazare Goujon",
     "69100", "Villeurbanne", "immediate", "good", 1, False, None),
    ("mercier", "Emballages Mercier SAS", "33 rue des Frères Lumière", "69330",
     "Meyzieu", "eom45", "normal", 3, "camille",
     ("Franck Mercier", "Directeur général", "f.mercier")),
    ("laurent", "Atelier Céramique Laurent", "8 montée de la Grande Côte", "69001",
     "Lyon", "net30", "slow", 1, False, None),
    ("chapuis", "Domaine Viticole Chapuis", "12 chemin des Vignes", "69840",
     "Juliénas", "eom45", "normal", 2, False, None),
    ("guerin", "Ascenseurs Guérin Maintenance", "40 rue Garibaldi", "69006", "Lyon",
     "net30", "normal", 3, "camille",
     ("Hélène Guérin", "Responsable administrative", "h.guerin")),
]  # fmt: skip

GROUP_CONTACTS = [
    # name, function, email local part, type, account_dunning role code
    ("Nathalie Roux", "Responsable comptabilité fournisseurs",
     "comptabilite.fournisseurs", "invoice", "accounts_payable"),
    ("Olivier Garnier", "Contrôleur de gestion, approbateur des factures",
     "o.garnier", "contact", "approver"),
    ("Sandrine Faure", "Acheteuse maintenance et services généraux", "s.faure",
     "contact", "purchaser"),
    ("Philippe Blanc", "Directeur administratif et financier", "p.blanc", "contact",
     "cfo"),
    ("Isabelle Chevalier", "Présidente-directrice générale", "i.chevalier",
     "contact", "ceo"),
    ("Julie Perrin", "Juriste contentieux", "juridique", "contact", "legal"),
]  # fmt: skip

# code, name, type, list price, uom xmlid, quantity choices
PRODUCTS = [
    ("CONS-J", "Journée de conseil en maintenance industrielle", "service", 850.0,
     "uom.product_uom_day", [0.5, 1, 1, 2, 3]),
    ("MAINT-T", "Contrat de maintenance préventive (trimestre)", "service", 1350.0,
     "uom.product_uom_unit", [1]),
    ("INTER-H", "Intervention technique sur site", "service", 78.0,
     "uom.product_uom_hour", [2, 3, 4, 6, 8, 12]),
    ("DEPL", "Forfait déplacement technicien", "service", 65.0,
     "uom.product_uom_unit", [1, 1, 2]),
    ("FORM-DJ", "Formation opérateur (demi-journée)", "service", 490.0,
     "uom.product_uom_unit", [1, 1, 2]),
    ("AUDIT", "Audit de sécurité machine", "service", 1250.0,
     "uom.product_uom_unit", [1]),
    ("PD-ROUL", "Kit de roulements et joints", "consu", 64.0,
     "uom.product_uom_unit", [1, 2, 4, 6]),
    ("PD-MOT15", "Moteur électrique asynchrone 1,5 kW", "consu", 420.0,
     "uom.product_uom_unit", [1, 1, 2]),
    ("PD-COUR", "Courroie de transmission crantée", "consu", 38.5,
     "uom.product_uom_unit", [1, 2, 3, 5]),
    ("PD-CARTE", "Carte électronique de commande", "consu", 310.0,
     "uom.product_uom_unit", [1, 1, 2]),
    ("LUB-5L", "Lubrifiant industriel (bidon 5 L)", "consu", 49.9,
     "uom.product_uom_unit", [1, 2, 4]),
]  # fmt: skip

PROFILE_PAYMENT_DELAY = {  # days after due date when the invoice gets paid
    "good": (-8, 3),
    "normal": (-4, 12),
    "slow": (5, 30),
    "bad": (15, 45),
}

# (min days overdue, probability paid, probability partly paid)
STATUS_BY_OVERDUE = [
    (61, 0.80, 0.05),
    (31, 0.65, 0.08),
    (16, 0.50, 0.08),
    (6, 0.42, 0.06),
    (1, 0.35, 0.04),
    (-5, 0.15, 0.03),
    (-999, 0.08, 0.02),
]

CUSTOMER_WEIGHT_BY_STATUS = {
    # status -> profile -> factor
    "paid": {"good": 1.6, "normal": 1.0, "slow": 0.8, "bad": 0.4},
    "partial": {"good": 0.3, "normal": 1.0, "slow": 1.5, "bad": 1.5},
    "late": {"good": 0.15, "normal": 1.0, "slow": 1.8, "bad": 3.0},
    "open": {"good": 1.0, "normal": 1.0, "slow": 1.0, "bad": 1.0},
}


# ---------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------


def _activate_french(env):
    lang = env["res.lang"]._activate_lang("fr_FR")
    menu = env.ref("base.menu_administration")
    if menu.with_context(lang="fr_FR").name != menu.with_context(lang="en_US").name:
        return lang  # translations already loaded (e.g. --load-language=fr_FR)
    # Load the French translations of every installed module (what the
    # Settings > Languages > Add wizard does).
    env["base.language.install"].create(
        {"lang_ids": [(6, 0, lang.ids)], "overwrite": False}
    ).lang_install()
    return lang


def _pick_company(env):
    company = env.ref("base.main_company")
    if company.chart_template != "fr" and company.root_id._existing_accounting():
        print(
            f"Main company {company.name!r} already has journal items under the "
            f"{company.chart_template!r} chart: creating a new company instead."
        )
        company = env["res.company"].create(
            {"name": COMPANY_NAME, "country_id": env.ref("base.fr").id}
        )
    return company


def _setup_company(env, rng):
    company = _pick_company(env)
    fr = env.ref("base.fr")
    siren = make_siren(rng)
    company.partner_id.lang = "fr_FR"  # chart journals get French codes / names
    company.write(
        {
            "name": COMPANY_NAME,
            "street": "12 rue de la Charité",
            "street2": False,
            "zip": "69002",
            "city": "Lyon",
            "state_id": False,
            "country_id": fr.id,
            "phone": "+33 4 65 71 20 12",
            "email": _email("contact", "atelier-durand"),
            "website": "https://www.atelier-durand.example",
            "vat": fr_vat(siren),
            "company_registry": f"{siren[:3]} {siren[3:6]} {siren[6:]} R.C.S. Lyon",
        }
    )
    company.partner_id.write(
        {"siret": make_siret(rng, siren, "0001"), "is_company": True}
    )
    if "ape" in company._fields:
        company.ape = "3312Z"  # Réparation de machines et équipements mécaniques
    if company.chart_template != "fr":
        env["account.chart.template"].try_loading("fr", company, install_demo=False)
    eur = env.ref("base.EUR")
    if company.currency_id != eur:
        eur.active = True
        company.currency_id = eur
    # Bank account (LCL, Lyon) on the bank journal.
    bank = env.ref("l10n_fr_account.bank_fr_crlyfrpp", raise_if_not_found=False)
    if not bank:
        bank = env["res.bank"].create(
            {"name": "LCL Le Crédit Lyonnais", "bic": "CRLYFRPP"}
        )
    partner_bank = env["res.partner.bank"].create(
        {
            "acc_number": fr_iban("30002", "00550", "00001578412"),
            "partner_id": company.partner_id.id,
            "bank_id": bank.id,
            "company_id": company.id,
            "allow_out_payment": True,
        }
    )
    # Mandatory French mentions (Code de commerce L441-10) printed on invoices.
    env["ir.config_parameter"].set_param("account.use_invoice_terms", True)
    terms = (
        "<p>Paiement par virement à réception de facture ou selon l'échéance "
        "indiquée. Pas d'escompte pour paiement anticipé.</p><p>En cas de retard "
        "de paiement : pénalités au taux de trois fois le taux d'intérêt légal et "
        "indemnité forfaitaire pour frais de recouvrement de 40 € (art. L441-10 "
        "du Code de commerce).</p>"
    )
    # Html fields are translated term by term: a single French text, shown to
    # every customer (French is the legal language of invoices in France).
    company.write({"terms_type": "plain", "invoice_terms": terms})
    journal = _bank_journal(env, company)
    journal.bank_account_id = partner_bank
    journal.update_field_translations("name", {"en_US": "LCL", "fr_FR": "LCL"})
    return company


def _bank_journal(env, company):
    return env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )


def _setup_users(env, company):
    admin = env.ref("base.user_admin")
    admin.write(
        {
            "company_id": company.id,
            "company_ids": [(4, company.id)],
            "lang": "fr_FR",
            "tz": "Europe/Paris",
            "password": "admin",
            "email": _email("admin", "atelier-durand"),
        }
    )
    groups = [
        env.ref("base.group_user").id,
        env.ref("account.group_account_invoice").id,
        env.ref("account.group_account_user").id,
    ]
    controller = env.ref(
        "account_dunning.group_account_dunning_user", raise_if_not_found=False
    )
    if controller:  # Camille is the credit controller
        groups.append(controller.id)
    # "Show Full Accounting Features" for the admin (accounting manager) too.
    admin.groups_id = [(4, env.ref("account.group_account_user").id)]
    users = env["res.users"].with_context(active_test=False)
    camille = users.search([("login", "=", "camille")], limit=1)
    vals = {
        "name": "Camille Martin",
        "login": "camille",
        "password": "camille",
        "email": _email("camille.martin", "atelier-durand"),
        "company_id": company.id,
        "company_ids": [(6, 0, [company.id])],
        "groups_id": [(4, gid) for gid in groups],
        "lang": "fr_FR",
        "tz": "Europe/Paris",
        "active": True,
    }
    if camille:
        camille.write(vals)
    else:
        camille = users.create(vals)
    camille.partner_id.write(
        {
            "function": "Chargée de recouvrement (credit controller)",
            "phone": "+33 4 65 71 20 15",
        }
    )
    return admin, camille


def _payment_terms(env):
    term_model = env["account.payment.term"]
    immediate = env.ref("account.account_payment_term_immediate")
    net30 = env.ref("account.account_payment_term_30days")
    eom45 = term_model.search([("name", "=", "45 jours fin de mois")], limit=1)
    if not eom45:
        eom45 = term_model.create(
            {
                "name": "45 jours fin de mois",
                "note": "Paiement à 45 jours fin de mois à compter de la date de "
                "facture.",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "value": "percent",
                            "value_amount": 100.0,
                            "delay_type": "days_end_of_month_on_the",
                            "nb_days": 45,
                            "days_next_month": "0",
                        },
                    )
                ],
            }
        )
    return {"immediate": immediate, "net30": net30, "eom45": eom45}


def _phone(rng, mobile=False):
    if mobile:
        return f"+33 6 39 98 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
    return f"+33 4 65 71 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def _slug(name):
    table = str.maketrans("àâäçéèêëîïôöùûüÿ'&", "aaaceeeeiioouuuy--")
    words = name.lower().translate(table).replace(",", " ").split()
    stop = {"sas", "sarl", "sa", "srl", "ltd", "de", "des", "du", "la", "le", "et", "-"}
    return "-".join(w for w in words if w not in stop)[:40].strip("-")


def _create_customers(env, rng, company, terms, camille, admin):
    """Return {key: (partner, term_key, profile, volume)}."""
    partner_model = env["res.partner"]
    fr = env.ref("base.fr")
    has_public = "is_public_entity" in partner_model._fields
    # Without a VAT number, the automatic fiscal position would be "EU private".
    domestic = env.ref(
        f"account.{company.id}_fiscal_position_template_domestic",
        raise_if_not_found=False,
    )
    customers = {}
    vals_list, meta = [], []

    for (
        key,
        name,
        street,
        zip_code,
        city,
        term,
        profile,
        volume,
        sales,
        contact,
    ) in SMES:
        siren = make_siren(rng)
        slug = _slug(name)
        vals = {
            "name": name,
            "is_company": True,
            "street": street,
            "zip": zip_code,
            "city": city,
            "country_id": fr.id,
            "lang": "fr_FR",
            "email": _email("comptabilite", slug),
            "phone": _phone(rng),
            "vat": fr_vat(siren),
            "siret": make_siret(rng, siren),
            "company_registry": siren,
            "property_payment_term_id": terms[term].id,
            "user_id": camille.id if sales else False,
        }
        if contact:
            vals["child_ids"] = [
                (
                    0,
                    0,
                    {
                        "name": contact[0],
                        "type": "contact",
                        "function": contact[1],
                        "email": _email(contact[2], slug),
                        "mobile": _phone(rng, mobile=True),
                        "lang": "fr_FR",
                    },
                )
            ]
        vals_list.append(vals)
        meta.append((key, term, profile, volume))

    # A large group with several contacts.
    siren = make_siren(rng)
    slug = "hexagone-distribution"
    vals_list.append(
        {
            "name": "Groupe Hexagone Distribution SA",
            "is_company": True,
            "street": "150 avenue de France",
            "zip": "75013",
            "city": "Paris",
            "country_id": fr.id,
            "lang": "fr_FR",
            "email": _email("accueil", slug),
            "phone": f"+33 1 99 00 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
            "website": f"https://www.{slug}{MAIL_DOMAIN_SUFFIX}",
            "vat": fr_vat(siren),
            "siret": make_siret(rng, siren, "0002"),
            "company_registry": siren,
            "property_payment_term_id": terms["eom45"].id,
            "user_id": camille.id,
            "comment": "<p>Bon de commande obligatoire sur chaque facture. Factures "
            "à adresser au service comptabilité fournisseurs.</p>",
            "child_ids": [
                (
                    0,
                    0,
                    {
                        "name": cname,
                        "type": ctype,
                        "function": function,
                        "email": _email(local, slug),
                        "phone": f"+33 1 99 00 {rng.randint(0, 99):02d} "
                        f"{rng.randint(0, 99):02d}",
                        "lang": "fr_FR",
                    },
                )
                for cname, function, local, ctype, _role in GROUP_CONTACTS
            ],
        }
    )
    meta.append(("hexagone", "eom45", "slow", 14))

    # A public entity.
    siren = make_siren(rng, "2169")
    public_vals = {
        "name": "Mairie de Caluire-et-Cuire",
        "is_company": True,
        "street": "Place du Docteur Frédéric Dugoujon",
        "zip": "69300",
        "city": "Caluire-et-Cuire",
        "country_id": fr.id,
        "lang": "fr_FR",
        "email": _email("finances", "ville-caluire"),
        "phone": _phone(rng),
        "siret": make_siret(rng, siren, "0001"),
        "company_registry": siren,
        "property_payment_term_id": terms["net30"].id,
        "property_account_position_id": domestic.id if domestic else False,
        "user_id": admin.id,
        "child_ids": [
            (
                0,
                0,
                {
                    "name": "Direction des finances - service comptabilité",
                    "type": "invoice",
                    "function": "Service ordonnateur",
                    "email": _email("comptabilite", "ville-caluire"),
                    "lang": "fr_FR",
                },
            ),
            (
                0,
                0,
                {
                    "name": "Marc Delorme",
                    "function": "Directeur des services techniques",
                    "email": _email("m.delorme", "ville-caluire"),
                    "lang": "fr_FR",
                },
            ),
        ],
    }
    if has_public:
        public_vals["is_public_entity"] = True
    vals_list.append(public_vals)
    meta.append(("mairie", "net30", "slow", 2))

    # A private person.
    mister = env.ref("base.res_partner_title_mister", raise_if_not_found=False)
    vals_list.append(
        {
            "name": "Jean-Pierre Lefèvre",
            "is_company": False,
            "title": mister.id if mister else False,
            "street": "24 rue des Tables Claudiennes",
            "zip": "69001",
            "city": "Lyon",
            "country_id": fr.id,
            "lang": "fr_FR",
            "email": _email("jp.lefevre", "free-mail"),
            "mobile": _phone(rng, mobile=True),
            "property_payment_term_id": terms["immediate"].id,
            "property_account_position_id": domestic.id if domestic else False,
        }
    )
    meta.append(("private", "immediate", "slow", 0.3))

    # Foreign customers.
    vals_list.append(
        {
            "name": "Ateliers Dumont SRL",
            "is_company": True,
            "street": "Chaussée de Louvain 420",
            "zip": "1030",
            "city": "Schaerbeek",
            "country_id": env.ref("base.be").id,
            "lang": "fr_FR",
            "email": _email("facturation", "ateliers-dumont"),
            "vat": be_vat(rng),
            "property_payment_term_id": terms["net30"].id,
            "user_id": camille.id,
        }
    )
    meta.append(("dumont", "net30", "normal", 1))
    vals_list.append(
        {
            "name": "Hartley Engineering Ltd",
            "is_company": True,
            "street": "14 Canal Street",
            "zip": "M1 3HE",
            "city": "Manchester",
            "country_id": env.ref("base.uk").id,
            "lang": "en_US",
            "email": _email("accounts.payable", "hartley-engineering"),
            "phone": f"+44 161 496 0{rng.randint(100, 999)}",  # Ofcom drama range
            "vat": gb_vat(rng),
            "property_payment_term_id": terms["net30"].id,
            "child_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Emily Clarke",
                        "function": "Finance Manager",
                        "email": _email("emily.clarke", "hartley-engineering"),
                        "lang": "en_US",
                    },
                )
            ],
        }
    )
    meta.append(("hartley", "net30", "bad", 1))

    partners = partner_model.with_company(company).create(vals_list)
    for partner, (key, term, profile, volume) in zip(partners, meta, strict=True):
        customers[key] = (partner, term, profile, volume)

    _set_dunning_fields(env, customers)
    return customers


def _set_dunning_fields(env, customers):
    """Fill account_dunning's partner fields, when the addon provides them."""
    fields = env["res.partner"]._fields
    if "dunning_blocked" in fields:
        customers["mercier"][0].dunning_blocked = True
    if "dunning_note" in fields:
        customers["hexagone"][0].dunning_note = (
            "Bon de commande (BC-HX-…) obligatoire sur chaque facture. Circuit de "
            "validation : acheteur puis contrôle de gestion ; règlement par virement "
            "les 10 et 25 du mois."
        )
        customers["mercier"][0].dunning_note = (
            "Litige qualité sur les deux dernières interventions : relances "
            "suspendues en attendant l'expertise."
        )
    if "dunning_role_ids" not in fields or "account.dunning.role" not in env:
        return
    roles = env["account.dunning.role"].search([])
    by_code = {role.code: role for role in roles}
    group = customers["hexagone"][0]
    for cname, _function, _local, _ctype, code in GROUP_CONTACTS:
        contact = group.child_ids.filtered(lambda c, n=cname: c.name == n)
        if code in by_code and contact:
            contact.dunning_role_ids = [(4, by_code[code].id)]


def _create_products(env, company):
    tax = company.account_sale_tax_id
    products = env["product.product"].with_company(company)
    result = []
    vals_list = []
    for code, name, ptype, price, uom_xmlid, _qty in PRODUCTS:
        uom = env.ref(uom_xmlid)
        vals_list.append(
            {
                "name": name,
                "default_code": code,
                "type": ptype,
                "list_price": price,
                "standard_price": round(price * 0.55, 2),
                "uom_id": uom.id,
                "uom_po_id": uom.id,
                "taxes_id": [(6, 0, tax.ids)],
                "company_id": company.id,
                "sale_ok": True,
            }
        )
    for product, spec in zip(products.create(vals_list), PRODUCTS, strict=True):
        result.append((product, spec[5]))
    return result


# ---------------------------------------------------------------------------
# Invoices
# ---------------------------------------------------------------------------


def _end_of_month(day):
    nxt = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return nxt - datetime.timedelta(days=1)


def _dates_for(rng, term, overdue, today):
    """Return (invoice_date, due_date) for a target number of days overdue."""
    target_due = today - datetime.timedelta(days=overdue)
    if term in ("immediate", "net30"):
        delay = datetime.timedelta(days=30 if term == "net30" else 0)
        invoice_date = target_due - delay
        if invoice_date.weekday() >= 5:  # invoices are issued on working days
            monday = invoice_date + datetime.timedelta(days=7 - invoice_date.weekday())
            friday = invoice_date - datetime.timedelta(days=invoice_date.weekday() - 4)
            invoice_date = monday if monday <= today else friday
        return invoice_date, invoice_date + delay
    # 45 days end of month: due = end_of_month(invoice_date + 45 days).
    lowest, highest = (
        today - datetime.timedelta(days=90),
        today + datetime.timedelta(days=30),
    )
    candidates = []
    month = lowest.replace(day=1)
    while month <= highest:
        eom = _end_of_month(month)
        if lowest <= eom <= highest:
            candidates.append(eom)
        month = eom + datetime.timedelta(days=1)
    due = min(candidates, key=lambda eom: abs((eom - target_due).days))
    first = due.replace(day=1) - datetime.timedelta(days=45)
    last = min(due - datetime.timedelta(days=45), today)
    span = max((last - first).days, 0)
    for _attempt in range(10):
        invoice_date = first + datetime.timedelta(days=rng.randint(0, span))
        if invoice_date.weekday() < 5:
            break
    return invoice_date, due


def _status_for(rng, overdue):
    for threshold, p_paid, p_partial in STATUS_BY_OVERDUE:
        if overdue >= threshold:
            draw = rng.random()
            if draw < p_paid:
                return "paid"
            if draw < p_paid + p_partial:
                return "partial"
            return "open"
    return "open"


def _pick_customer(rng, customers, status, overdue, exclude):
    weight_key = status
    if status == "open" and overdue > 5:
        weight_key = "late"
    keys, weights = [], []
    for key, (_partner, term, profile, volume) in customers.items():
        if key in exclude or (term == "immediate" and overdue < 0):
            continue
        keys.append(key)
        weights.append(volume * CUSTOMER_WEIGHT_BY_STATUS[weight_key][profile])
    return rng.choices(keys, weights=weights)[0]


def _invoice_specs(rng, customers, today, n_invoices=N_INVOICES):
    # Fixed scenarios first, so that every dunning case exists whatever the seed.
    specs = [
        {"key": "private", "overdue": 47, "status": "paid"},
        {"key": "private", "overdue": 19, "status": "open"},
        {"key": "hartley", "overdue": 76, "status": "open"},
        {"key": "hartley", "overdue": 44, "status": "partial"},
        {"key": "dumont", "overdue": 9, "status": "open"},
        {"key": "mercier", "overdue": 40, "status": "open", "dispute": True},
        {"key": "mercier", "overdue": 25, "status": "open", "dispute": True},
        {"key": "lumiere", "overdue": 12, "status": "open", "unmatched": True},
        {"key": "mairie", "overdue": 35, "status": "open"},
        {"key": "mairie", "overdue": 3, "status": "open"},
        {"key": "confluence", "overdue": 88, "status": "open"},
        {"key": "moreau", "overdue": 8, "status": "open"},
        {"key": "petit", "overdue": 21, "status": "open"},
        {"key": "girard", "overdue": 2, "status": "open"},
        {"key": "guerin", "overdue": -4, "status": "open"},
        {"key": "vincent", "overdue": -1, "status": "open"},
        {"key": "mercier", "overdue": 70, "status": "paid"},
        {"key": "lumiere", "overdue": 50, "status": "paid"},
        {"key": "dumont", "overdue": 62, "status": "paid"},
        # the ninety nights' story (`_simulate`): a formal notice reached on
        # the last nights, waiting for approval
        {"key": "private", "overdue": 32, "status": "open", "story": "notice"},
        {"key": "rousseau", "overdue": 86, "status": "open", "story": "defaulted"},
        {"key": "beaujolais", "overdue": 44, "status": "open", "story": "running"},
        {"key": "chapuis", "overdue": 16, "status": "open", "story": "promise"},
        {"key": "petit", "overdue": 64, "status": "open"},
    ]
    fixed_only = {"private", "hartley", "dumont", "mercier", "lumiere"}
    while len(specs) < n_invoices:
        overdue = rng.randint(-30, 90)
        status = _status_for(rng, overdue)
        key = _pick_customer(rng, customers, status, overdue, fixed_only)
        specs.append({"key": key, "overdue": overdue, "status": status})
    for spec in specs:
        _partner, term, _profile, _volume = customers[spec["key"]]
        spec["invoice_date"], spec["due"] = _dates_for(
            rng, term, spec["overdue"], today
        )
    return specs


def _invoice_lines(rng, products, key, big):
    count = rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]
    lines = []
    for product, quantities in rng.sample(products, count):
        qty = rng.choice(quantities)
        if big and len(quantities) > 1:  # large customers order more
            qty *= rng.choice([2, 3, 4])
        vals = {"product_id": product.id, "quantity": qty}
        if key == "hexagone":
            vals["discount"] = 8.0  # framework agreement
        lines.append((0, 0, vals))
    return lines


def _create_invoices(
    env, rng, company, customers, products, terms, today, admin, n_invoices
):
    """The invoices as drafts: each is posted on its own date by `_simulate`."""
    specs = _invoice_specs(rng, customers, today, n_invoices)
    specs.sort(key=lambda s: (s["invoice_date"], s["key"]))
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    vals_list = []
    for spec in specs:
        partner, term, _profile, _volume = customers[spec["key"]]
        vals = {
            "move_type": "out_invoice",
            "journal_id": journal.id,
            "partner_id": partner.id,
            "invoice_date": spec["invoice_date"],
            "invoice_payment_term_id": terms[term].id,
            "invoice_user_id": partner.user_id.id or admin.id,
            "invoice_line_ids": _invoice_lines(
                rng, products, spec["key"], spec["key"] in ("hexagone", "tral")
            ),
        }
        if spec["key"] == "hexagone":
            vals["ref"] = f"BC-HX-{rng.randint(40000, 49999)}"
        elif rng.random() < 0.2:
            vals["ref"] = f"Cde {rng.randint(1000, 9999)}"
        vals_list.append(vals)
    moves = env["account.move"].with_company(company).create(vals_list)
    for spec, move in zip(specs, moves, strict=True):
        spec["move"] = move
        assert move.invoice_date_due == spec["due"], (move.name, spec)
    return specs


def _business_day(day, not_before):
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return max(day, not_before)


def _payment_run_day(day, not_before, today):
    """Larger customers pay their suppliers in runs, on the 10th and the 25th."""
    first = day.replace(day=1)
    months = [
        (first - datetime.timedelta(days=1)).replace(day=1),
        first,
        (first + datetime.timedelta(days=32)).replace(day=1),
    ]
    runs = [m.replace(day=d) for m in months for d in (10, 25)]
    runs = [run for run in runs if not_before <= run <= today]
    later = [run for run in runs if run >= day]
    if later:
        return later[0]
    return runs[-1] if runs else day


def _payment_date(rng, spec, profile, volume, today):
    low, high = PROFILE_PAYMENT_DELAY[profile]
    day = spec["due"] + datetime.timedelta(days=rng.randint(low, high))
    if day > today:
        span = (today - spec["invoice_date"]).days
        day = spec["invoice_date"] + datetime.timedelta(days=rng.randint(0, span))
    day = min(day, today)
    if volume >= 3:
        day = _payment_run_day(day, spec["invoice_date"], today)
    return _business_day(day, spec["invoice_date"])


def _plan_payments(rng, customers, specs, today):
    """The customers' transfers, by value date: {date: [(invoices, amount or
    None for the full balance)]}; registered on their day by `_simulate`."""
    full_by_date = defaultdict(list)
    plan = defaultdict(list)
    for spec in specs:
        if spec["status"] not in ("paid", "partial"):
            continue
        _partner, _term, profile, volume = customers[spec["key"]]
        pay_date = _payment_date(rng, spec, profile, volume, today)
        spec["pay_date"] = pay_date
        if spec["status"] == "paid":
            full_by_date[pay_date].append(spec["move"])
        else:
            total = spec["move"].amount_total
            share = rng.choice([0.25, 0.3, 0.4, 0.5, 0.6])
            amount = max(10.0, round(total * share / 10.0) * 10.0)
            if amount >= total:
                amount = round(total / 2.0, 2)
            plan[pay_date].append((spec["move"], amount))
    # A customer settling several invoices the same day does it with a single
    # transfer (group_payment: one payment per partner).
    for pay_date, moves in full_by_date.items():
        plan[pay_date].insert(0, (moves[0].browse([m.id for m in moves]), None))
    return plan


def _register_payments(env, company, day, payments):
    """Register the transfers of value date `day`, as the "Register payment"
    button does: [(invoices, amount or None for the full balance)]."""
    journal = _bank_journal(env, company)
    register = env["account.payment.register"].with_company(company)
    for moves, amount in payments:
        moves = moves.filtered(lambda m: m.amount_residual > 0)
        if not moves:
            continue
        context = {"active_model": "account.move", "active_ids": moves.ids}
        vals = {"journal_id": journal.id, "group_payment": True, "payment_date": day}
        if amount is not None:
            vals.update(
                {
                    "amount": min(amount, sum(moves.mapped("amount_residual"))),
                    "payment_difference_handling": "open",
                    "communication": f"Acompte {moves[0].name}",
                }
            )
        register.with_context(**context).create(vals)._create_payments()


def _create_bank_line(env, company, move, day):
    """A customer transfer in the bank statement, not reconciled yet: the
    night holds the invoices it may pay, the queue says to check it."""
    return (
        env["account.bank.statement.line"]
        .with_company(company)
        .create(
            {
                "journal_id": _bank_journal(env, company).id,
                "date": day,
                "payment_ref": "VIR SEPA IMPRIMERIE LUMIERE - REGLEMENT FOURNISSEUR",
                "partner_id": move.partner_id.id,
                "amount": move.amount_total,
            }
        )
    )


def _plan_credit_notes(rng, specs, today):
    """5 cancelling credit notes, 5 partial ones reconciled, 5 left open: their
    values, created and posted on their date by `_simulate`."""
    eligible = [
        s
        for s in specs
        if not s.get("dispute") and not s.get("unmatched") and not s.get("story")
    ]
    open_specs = [s for s in eligible if s["status"] == "open"]
    paid_specs = [s for s in eligible if s["status"] == "paid"]
    cancel = rng.sample(open_specs, 5)
    gesture = rng.sample(
        [s for s in eligible if s["status"] in ("open", "partial") and s not in cancel],
        5,
    )
    returned = rng.sample(
        [
            s
            for s in paid_specs
            if s["overdue"] < 60
            and "consu" in s["move"].invoice_line_ids.product_id.mapped("type")
        ],
        5,
    )

    def refund_date(spec):
        day = spec["invoice_date"] + datetime.timedelta(days=rng.randint(3, 20))
        return _business_day(min(day, today), spec["invoice_date"])

    vals_list = []
    for spec in cancel:
        move = spec["move"]
        vals_list.append(
            {
                "move_type": "out_refund",
                "partner_id": move.partner_id.id,
                "invoice_payment_term_id": False,
                "invoice_date": refund_date(spec),
                "reversed_entry_id": move.id,
                "ref": f"Annulation de {move.name} : erreur de facturation",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": line.product_id.id,
                            "name": line.name,
                            "quantity": line.quantity,
                            "price_unit": line.price_unit,
                            "discount": line.discount,
                            "tax_ids": [(6, 0, line.tax_ids.ids)],
                        },
                    )
                    for line in move.invoice_line_ids
                ],
            }
        )
        spec["status"] = "reversed"
    for spec in gesture:
        move = spec["move"]
        line = move.invoice_line_ids[0]
        amount = max(20.0, round(move.amount_untaxed * 0.1 / 5.0) * 5.0)
        vals_list.append(
            {
                "move_type": "out_refund",
                "partner_id": move.partner_id.id,
                "invoice_payment_term_id": False,
                "invoice_date": refund_date(spec),
                "reversed_entry_id": move.id,
                "ref": f"Geste commercial sur {move.name}",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": line.product_id.id,
                            "name": "Geste commercial : retard d'intervention",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [(6, 0, line.tax_ids.ids)],
                        },
                    )
                ],
            }
        )
        if spec["status"] == "open":
            spec["status"] = "partial"
    for spec in returned:
        move = spec["move"]
        line = move.invoice_line_ids.filtered(
            lambda aml: aml.product_id.type == "consu"
        )[0]
        vals_list.append(
            {
                "move_type": "out_refund",
                "partner_id": move.partner_id.id,
                "invoice_payment_term_id": False,
                "invoice_date": refund_date(spec),
                # No reversed_entry_id: posting would reconcile it with the invoice.
                "ref": f"Retour sur {move.name}",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": line.product_id.id,
                            "name": f"Retour : {line.name}",
                            "quantity": 1,
                            "price_unit": line.price_unit,
                            "discount": line.discount,
                            "tax_ids": [(6, 0, line.tax_ids.ids)],
                        },
                    )
                ],
            }
        )
    vals_list.sort(key=lambda vals: vals["invoice_date"])
    return vals_list


# ---------------------------------------------------------------------------
# Summary / dunning run
# ---------------------------------------------------------------------------


def _summary(env, company, customers, today, payment):
    moves = env["account.move"].search(
        [("company_id", "=", company.id), ("state", "=", "posted")]
    )
    invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
    refunds = moves.filtered(lambda m: m.move_type == "out_refund")
    open_invoices = invoices.filtered(
        lambda m: m.payment_state in ("not_paid", "partial")
    )
    overdue = open_invoices.filtered(lambda m: m.invoice_date_due < today)
    buckets = [
        ("pas encore échues", -999, 0),
        ("1-5 j", 1, 5),
        ("6-15 j", 6, 15),
        ("16-30 j", 16, 30),
        ("31-60 j", 31, 60),
        ("61-90 j", 61, 999),
    ]
    print(f"\n=== Données de démonstration : {company.name} (au {today}) ===")
    partner_ids = [c[0].id for c in customers.values()]
    contacts = env["res.partner"].search_count([("parent_id", "in", partner_ids)])
    print(f"Clients : {len(customers)} (+ {contacts} contacts)")
    print(f"Factures clients : {len(invoices)} ; avoirs : {len(refunds)}")
    print(
        "Factures payées : "
        f"{len(invoices.filtered(lambda m: m.payment_state in ('paid', 'in_payment')))}"
        f" ; partiellement payées : "
        f"{len(invoices.filtered(lambda m: m.payment_state == 'partial'))}"
        f" ; extournées : "
        f"{len(invoices.filtered(lambda m: m.payment_state == 'reversed'))}"
        f" ; non payées : "
        f"{len(invoices.filtered(lambda m: m.payment_state == 'not_paid'))}"
    )
    print(
        "Avoirs non lettrés : "
        f"{len(refunds.filtered(lambda m: m.payment_state == 'not_paid'))} ; "
        f"virement à lettrer : {payment.payment_ref} "
        f"({payment.partner_id.name}, {payment.amount:.2f} EUR)"
    )
    print(
        f"Montant échu : {sum(overdue.mapped('amount_residual')):.2f} EUR "
        f"sur {len(overdue)} factures ; non échu : "
        f"{sum((open_invoices - overdue).mapped('amount_residual')):.2f} EUR"
    )
    for label, low, high in buckets:
        sel = open_invoices.filtered(
            lambda m, lo=low, hi=high: lo <= (today - m.invoice_date_due).days <= hi
        )
        print(
            f"  {label:>18} : {len(sel):3d} factures, "
            f"{sum(sel.mapped('amount_residual')):10.2f} EUR"
        )


def _hand_over_emails(env):
    """A demo has no outgoing mail server: the emails Odoo queued (reminders,
    promise and schedule confirmations) are handed over as a server would take
    them (Odoo's own post-processing of a sent email), so that the reminders
    read "Done" and their invoices move up, as in a company that sends its
    emails. Nothing leaves the machine (and every address is .example)."""
    mails = env["mail.mail"].search([("state", "=", "outgoing")])
    if not mails:
        return
    mails.write({"state": "sent"})
    mails._postprocess_sent_message(success_pids=mails.recipient_ids)
    env["account.dunning.delivery"]._apply_email_outcomes()


# ---------------------------------------------------------------------------
# Ninety nights
# ---------------------------------------------------------------------------

DAYS = 90
# Days the credit controller lets the night's work wait: the work of the last
# nights is left in the queue for whoever opens the demo.
WORK_LAG = 2
# Days after the deadline of a formal notice the manager hands the debt over.
HAND_OVER_AFTER = datetime.timedelta(days=12)
# Cases the manager hands over in the ninety days (the agency's capacity).
MAX_CASES = 3
# Share of the calls where a customer who will not pay promises anyway.
BROKEN_PROMISE_RATE = 0.35
CALL_REASONS = [
    "account_dunning.reason_forgotten",
    "account_dunning.reason_signatory_away",
    "account_dunning.reason_not_entered",
    "account_dunning.reason_financial",
]
# The scan of a signed payment schedule (a stand-in PDF).
SIGNED_SCHEDULE = base64.b64encode(
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _next_business_day(day):
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _night(env, company, day):
    """The nightly job of `day`, as the cron does it: the company's run (one
    part, dated `day`), its later step (the invoice PDFs reminder emails wait
    for, `_cron_render`), then Odoo's mail queue (`_hand_over_emails`)."""
    run = env["account.dunning.run"].create(
        {"company_id": company.id, "date": day, "trigger": "cron"}
    )
    run.action_run()
    _skip_invoice_pdfs(env)
    _hand_over_emails(env)
    return run


def _skip_invoice_pdfs(env):
    """The later step of the night without its rendering: wkhtmltopdf reads
    the report's styles from Odoo's web server, which does not run while the
    demo is built (each attempt fails after a connection error, two seconds
    an invoice). The invoices' PDFs are recorded as not rendered, with the
    reason, and the emails waiting for them leave without them, as the job
    does for a PDF it cannot render (`_cron_render`)."""
    pdf = env["account.dunning.invoice.pdf"]
    missing = pdf._fetch_missing(None)
    if not missing:
        return
    reason = "PDF non produit : serveur web arrêté pendant la création de la démo"
    actions = pdf._record_pdfs({}, dict.fromkeys(missing, reason))
    (actions - pdf._get_waiting(actions))._deliver()


def _books(env, company, day, story):
    """What the accountant books on `day`: invoices issued, credit notes,
    customer transfers, the bank statement."""
    Move = env["account.move"].with_company(company)
    drafts = story["drafts"]
    due = [move for move in drafts if move.invoice_date <= day]
    if due:
        Move.browse([move.id for move in due]).action_post()
        story["drafts"] = [move for move in drafts if move.invoice_date > day]
    refunds = [vals for vals in story["refunds"] if vals["invoice_date"] <= day]
    if refunds:
        # Posting a credit note whose reversed_entry_id is a posted invoice
        # reconciles both, exactly like the "Credit note" button does.
        Move.create(refunds).action_post()
        story["refunds"] = story["refunds"][len(refunds) :]
    for pay_date in sorted(d for d in story["payments"] if d <= day):
        _register_payments(env, company, pay_date, story["payments"].pop(pay_date))
    if story["bank_line"] and story["bank_line"][0] <= day:
        story["bank_line_id"] = _create_bank_line(
            env, company, story["bank_line"][1], story["bank_line"][0]
        )
        story["bank_line"] = None


def _validate_drafts(drafts):
    """The manager approves the reminders waiting for a confirmation (formal
    notices); one that cannot go any more is cancelled."""
    try:
        with drafts.env.cr.savepoint():
            drafts.action_validate()
    except Exception:  # noqa: BLE001 - one bad reminder must not stop the others
        for draft in drafts:
            try:
                with drafts.env.cr.savepoint():
                    draft.action_validate()
            except Exception:  # noqa: BLE001
                draft.action_cancel()


def _log_call(env, company, call, day, story, rng):
    """Camille calls the customer of a planned call (the "Log a call" dialog):
    a dispute, a promise the customer will keep (a transfer is on its way), a
    promise it will break, or a reason given."""
    Wizard = env["account.dunning.call.wizard"].with_company(company)
    context = Wizard._get_log_call_action(call.partner_id, action=call)["context"]
    moves = env["account.move"].browse(context["default_move_ids"][0][2])
    specs = story["spec_by_move"]
    partner = call.partner_id

    def status(move):
        return specs.get(move.id, {}).get("status")

    soon = moves.filtered(
        lambda m: status(m) == "paid"
        and day < specs[m.id]["pay_date"] <= day + datetime.timedelta(days=14)
    )
    unpaid = moves.filtered(
        lambda m: status(m) == "open"
        and not specs[m.id].get("story")
        and not specs[m.id].get("unmatched")
    )
    promised = env["account.dunning.promise"].search_count(
        [("partner_id", "=", partner.id), ("state", "=", "open")]
    )
    vals = {"result": "reached"}
    if partner == story["dispute_partner"] and not story["call_dispute"] and moves:
        story["call_dispute"] = True
        vals = {
            "result": "dispute",
            "move_ids": [(6, 0, moves[:1].ids)],
            "reason_id": env.ref("account_dunning.reason_dispute").id,
            "note": "Conteste l'intervention facturée : pièce non remplacée.",
        }
    elif soon and not promised:
        vals = {
            "result": "promise",
            "move_ids": [(6, 0, soon.ids)],
            "promise_date": max(specs[m.id]["pay_date"] for m in soon),
            "promise_amount": sum(soon.mapped("amount_residual")),
            "note": "Virement programmé par la comptabilité.",
        }
    elif unpaid and not promised and rng.random() < BROKEN_PROMISE_RATE:
        vals = {
            "result": "promise",
            "move_ids": [(6, 0, unpaid[:1].ids)],
            "promise_date": day + datetime.timedelta(days=7),
            "promise_amount": unpaid[0].amount_residual,
            "note": "Promet un règlement la semaine prochaine.",
        }
    else:
        vals["reason_id"] = env.ref(rng.choice(CALL_REASONS)).id
    refusal = env["account.dunning.consumer.rule"]._get_call_refusal(
        partner, datetime.datetime.now(), company
    )
    if refusal:
        return  # a public holiday, or enough attempts: the call waits
    Wizard.with_context(**context).create(vals).action_confirm()


def _make_schedule(env, company, spec, day, first_date):
    """A payment schedule agreed on `day` (the schedule dialog), signed and
    activated: three monthly instalments from `first_date`."""
    wizard = (
        env["account.dunning.schedule.wizard"]
        .with_company(company)
        .with_context(active_model="account.move", active_ids=spec["move"].ids)
        .create(
            {
                "instalment_count": 3,
                "frequency": "monthly",
                "first_date": first_date,
                "rounding": "10",
            }
        )
    )
    schedule = env["account.dunning.schedule"].browse(wizard.action_confirm()["res_id"])
    schedule.write(
        {
            "agreement_date": day,
            "agreement_file": SIGNED_SCHEDULE,
            "agreement_filename": "echeancier-signe.pdf",
        }
    )
    schedule.action_activate()
    return schedule.line_ids.sorted(lambda line: (line.date, line.sequence))


def _story_events(story, start, today):
    """The days of the scripted scenes (first working day on or after)."""
    specs = story["specs"]

    def spec_of(name):
        return next(spec for spec in specs if spec.get("story") == name)

    disputed = [spec["invoice_date"] for spec in specs if spec.get("dispute")]
    return {
        # the customer disputes its last two invoices once both are issued
        "dispute": _next_business_day(
            max([start, *disputed]) + datetime.timedelta(days=10)
        ),
        "defaulted": (
            _next_business_day(start + datetime.timedelta(days=10)),
            spec_of("defaulted"),
        ),
        "running": (
            _next_business_day(today - datetime.timedelta(days=35)),
            spec_of("running"),
        ),
        "promise": (
            _next_business_day(today - datetime.timedelta(days=8)),
            spec_of("promise"),
        ),
    }


def _work(envs, company, day, story, rng):
    """A working day of the credit team: the scripted scenes of the day, then
    the work the nights left (older than `WORK_LAG` days): formal notices
    approved, letters printed, planned calls logged."""
    controller, manager = envs
    events = story["events"]
    if day == events["dispute"]:
        mercier = [s["move"] for s in story["specs"] if s.get("dispute")]
        controller["account.dunning.dispute"].create(
            {
                "company_id": company.id,
                "partner_id": mercier[0].commercial_partner_id.id,
                "move_ids": [(6, 0, [move.id for move in mercier])],
                "reason_id": controller.ref("account_dunning.reason_dispute").id,
                "note": "<p>Litige qualité sur les deux dernières interventions : "
                "expertise en cours.</p>",
            }
        )
    for name, pay in (("defaulted", 1), ("running", 3)):
        event_day, spec = events[name]
        if day == event_day and spec["move"].amount_residual > 0:
            lines = _make_schedule(
                controller, company, spec, day, day + datetime.timedelta(days=10)
            )
            # the customer pays the first instalments on their date (all of
            # those past for the running one), then the other one stops
            for line in lines[:pay]:
                story["payments"][line.date].append((spec["move"], line.amount))
    event_day, spec = events["promise"]
    if day == event_day and spec["move"].amount_residual > 0:
        Wizard = controller["account.dunning.call.wizard"].with_company(company)
        partner = spec["move"].commercial_partner_id
        context = Wizard._get_log_call_action(partner)["context"]
        Wizard.with_context(**context).create(
            {
                "result": "promise",
                "move_ids": [(6, 0, spec["move"].ids)],
                "promise_date": story["today"],
                "promise_amount": spec["move"].amount_residual,
                "note": "Paiement promis pour la fin de la semaine prochaine.",
            }
        ).action_confirm()

    cutoff = day - datetime.timedelta(days=WORK_LAG)
    Action = manager["account.dunning.action"]
    domain = [("company_id", "=", company.id), ("date", "<=", cutoff)]
    drafts = Action.search(domain + [("state", "=", "draft")])
    if drafts:
        _validate_drafts(drafts)
    Action.search(
        domain + [("state", "=", "to_send"), ("channel", "=", "letter")]
    ).action_mark_printed()
    calls = controller["account.dunning.action"].search(
        domain
        + [
            ("channel", "=", "call"),
            ("activity_id", "!=", False),
            ("result", "=", False),
        ],
        order="date, id",
    )
    for call in calls:
        _log_call(controller, company, call, day, story, rng)
    _hand_over(manager, company, day)


def _hand_over(env, company, day):
    """The manager hands over to a collection agency the customers whose
    formal notice's deadline passed more than `HAND_OVER_AFTER` days ago (the
    "Hand over" dialog), `MAX_CASES` at most; the others wait in the queue."""
    from odoo.exceptions import UserError

    notices = env["account.dunning.action"].search(
        [
            ("company_id", "=", company.id),
            ("level_id.is_formal_notice", "=", True),
            ("state", "=", "done"),
            ("payment_deadline", "<=", day - HAND_OVER_AFTER),
        ]
    )
    cases = env["account.dunning.litigation"].search(
        [("company_id", "=", company.id), ("state", "=", "open")]
    )
    Wizard = env["account.dunning.litigation.wizard"].with_company(company)
    room = MAX_CASES - len(cases)
    for partner in (notices.partner_id - cases.partner_id)[: max(room, 0)]:
        context = Wizard._get_open_action(partner, company)["context"]
        try:
            with env.cr.savepoint():
                Wizard.with_context(**context).create(
                    {"route": "agency", "transfer_to_doubtful": False}
                ).action_confirm()
        except UserError:
            pass  # nothing left to hand over: the customer paid


def _simulate(env, company, story, today, days, users):
    """The last `days` nights, one day at a time, the clock set to each day
    (freezegun: Odoo's dialogs and checks read today's date from it; the
    nightly run gets its date as the cron gives it): the day's books, the
    credit team's work on working days (never today: today's work is left
    for whoever opens the demo), then the night."""
    from freezegun import freeze_time

    admin, camille = users
    root = env(context=dict(env.context, lang="fr_FR"))
    controller = env(user=camille.id, su=True)
    manager = env(user=admin.id, su=True)
    start = today - datetime.timedelta(days=days)
    story["events"] = _story_events(story, start, today)
    story["today"] = today
    nights = []
    with freeze_time(datetime.datetime.combine(start, datetime.time(8))) as clock:
        for offset in range(days + 1):
            day = start + datetime.timedelta(days=offset)
            # 9:30 UTC: within the hours private persons may be called
            clock.move_to(datetime.datetime.combine(day, datetime.time(9, 30)))
            _books(manager, company, day, story)
            if day < today and day.weekday() < 5:
                _work((controller, manager), company, day, story, story["rng"])
            clock.move_to(datetime.datetime.combine(day, datetime.time(20)))
            nights.append(_night(root, company, day))
            env.flush_all()
    return nights


def _simulation_summary(env, company, nights):
    runs = env["account.dunning.run"].browse([run.id for run in nights])
    print(
        f"\n=== {len(runs)} nuits de relance, du {runs[0].date} au {runs[-1].date} ==="
    )
    print(
        f"Relances créées : {sum(runs.mapped('action_count'))} (courriels "
        f"{sum(runs.mapped('email_count'))}, lettres {sum(runs.mapped('letter_count'))}"
        f", appels {sum(runs.mapped('call_count'))}, à confirmer "
        f"{sum(runs.mapped('draft_count'))})"
    )
    Action = env["account.dunning.action"]
    for level, count in Action._read_group(
        [("company_id", "=", company.id)], ["level_id"], ["__count"]
    ):
        print(f"  {level.display_name} : {count}")
    for model, label in (
        ("account.dunning.promise", "Promesses"),
        ("account.dunning.schedule", "Échéanciers"),
        ("account.dunning.dispute", "Litiges"),
    ):
        states = dict(env[model]._fields["state"]._description_selection(env))
        counts = env[model]._read_group(
            [("company_id", "=", company.id)], ["state"], ["__count"]
        )
        print(
            f"{label} : "
            + ", ".join(f"{states[state]} {count}" for state, count in counts)
        )
    labels = dict(
        env["account.dunning.queue"]._fields["next_action"]._description_selection(env)
    )
    rows = env["account.dunning.queue"]._read_group(
        [("company_id", "=", company.id), ("next_action", "!=", False)],
        ["next_action"],
        ["__count"],
    )
    print(
        "File de travail (À faire) : "
        + ", ".join(f"{labels[action]} {count}" for action, count in rows)
    )


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def populate(env, today=None, n_invoices=N_INVOICES, days=DAYS):
    """Create the demo company and its receivables, then live its last `days`
    nights. Return the company or None."""
    from odoo import fields

    today = fields.Date.to_date(today) if today else datetime.date.today()
    if env["res.company"].search([("name", "=", COMPANY_NAME)]):
        print(f"La société {COMPANY_NAME!r} existe déjà : rien à faire.")
        return None
    started = time.monotonic()
    rng = random.Random(SEED)
    env = env(
        context=dict(
            env.context,
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
            no_reset_password=True,
        )
    )
    steps = []

    def step(label):
        steps.append((label, time.monotonic()))

    _activate_french(env)
    step("langue fr_FR")
    company = _setup_company(env, rng)
    step("société + plan comptable")
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    admin, camille = _setup_users(env, company)
    root = env
    # Create the business documents as the admin user (still in sudo mode).
    env = env(user=admin.id, su=True)
    terms = _payment_terms(env)
    customers = _create_customers(env, rng, company, terms, camille, admin)
    products = _create_products(env, company)
    step("utilisateurs, clients, articles")
    specs = _create_invoices(
        env, rng, company, customers, products, terms, today, admin, n_invoices
    )
    payments = _plan_payments(rng, customers, specs, today)
    refunds = _plan_credit_notes(rng, specs, today)
    unmatched = next(spec for spec in specs if spec.get("unmatched"))
    bank_day = _business_day(
        min(
            today - datetime.timedelta(days=3),
            unmatched["due"] + datetime.timedelta(days=9),
        ),
        unmatched["invoice_date"],
    )
    step("factures")
    story = {
        "rng": rng,
        "specs": specs,
        "spec_by_move": {spec["move"].id: spec for spec in specs},
        "drafts": sorted(
            (spec["move"] for spec in specs), key=lambda m: (m.invoice_date, m.id)
        ),
        "refunds": refunds,
        "payments": payments,
        "bank_line": (bank_day, unmatched["move"]),
        "bank_line_id": None,
        "dispute_partner": customers["petit"][0],
        "call_dispute": False,
    }
    nights = _simulate(root, company, story, today, days, (admin, camille))
    env.flush_all()
    step(f"{days + 1} nuits")
    _summary(env, company, customers, today, story["bank_line_id"])
    _simulation_summary(env(context=dict(env.context, lang="fr_FR")), company, nights)
    previous = started
    details = []
    for label, moment in steps:
        details.append(f"{label} {moment - previous:.1f} s")
        previous = moment
    print(f"Durée : {time.monotonic() - started:.1f} s ({', '.join(details)})")
    return company


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", "-d", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--date", help="reference date YYYY-MM-DD (default: today)")
    parser.add_argument("--log-level", default="warn")
    args = parser.parse_args(argv)
    today = datetime.date.fromisoformat(args.date) if args.date else None

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(
        [
            f"--database={args.database}",
            f"--addons-path={args.addons_path}",
            f"--log-level={args.log_level}",
        ],
        setup_logging=True,
    )
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        populate(env, today)
        cr.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
