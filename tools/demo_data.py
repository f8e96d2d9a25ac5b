#!/usr/bin/env python3
"""Realistic French demo data for ``account_dunning``.

Usage::

    python3 tools/demo_data.py --database DB --addons-path PATH [--date YYYY-MM-DD]

The database must already have ``l10n_fr_account`` (and normally
``account_dunning``) installed.  The script turns the main company into
"Atelier Durand SAS" (an industrial maintenance workshop in Lyon) with the French
chart of accounts, activates French, then creates ~30 customers, ~300 posted
customer invoices and ~15 credit notes whose due dates spread from 90 days overdue
to 30 days ahead of ``--date``, some paid, some partly paid, one customer payment
left unreconciled.  If the ``account.dunning.run`` model exists, the escalation is
run as of ``--date``.

``populate(env, today=None)`` can be called from code (tests, shell) as well.
Everything is deterministic for a given ``today`` (fixed random seed).

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
import datetime
import random
import sys
import time
import traceback
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


def _invoice_specs(rng, customers, today):
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
    ]
    fixed_only = {"private", "hartley", "dumont", "mercier", "lumiere"}
    while len(specs) < N_INVOICES:
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


def _create_invoices(env, rng, company, customers, products, terms, today, admin):
    specs = _invoice_specs(rng, customers, today)
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
    moves.action_post()
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


def _register_payments(env, rng, company, customers, specs, today):
    journal = _bank_journal(env, company)
    register = env["account.payment.register"].with_company(company)
    full_by_date = defaultdict(list)
    partial = []
    for spec in specs:
        if spec["status"] not in ("paid", "partial"):
            continue
        _partner, _term, profile, volume = customers[spec["key"]]
        pay_date = _payment_date(rng, spec, profile, volume, today)
        if spec["status"] == "paid":
            full_by_date[pay_date].append(spec["move"].id)
        else:
            total = spec["move"].amount_total
            share = rng.choice([0.25, 0.3, 0.4, 0.5, 0.6])
            amount = max(10.0, round(total * share / 10.0) * 10.0)
            if amount >= total:
                amount = round(total / 2.0, 2)
            partial.append((spec["move"], pay_date, amount))
    # One wizard per value date; a customer settling several invoices the same day
    # does it with a single transfer (group_payment: one payment per partner).
    for pay_date, move_ids in sorted(full_by_date.items()):
        register.with_context(active_model="account.move", active_ids=move_ids).create(
            {"payment_date": pay_date, "journal_id": journal.id, "group_payment": True}
        )._create_payments()
    for move, pay_date, amount in partial:
        register.with_context(active_model="account.move", active_ids=move.ids).create(
            {
                "payment_date": pay_date,
                "journal_id": journal.id,
                "amount": amount,
                "payment_difference_handling": "open",
                "communication": f"Acompte {move.name}",
            }
        )._create_payments()

    expected = {"paid": ("paid", "in_payment"), "partial": ("partial",)}
    wrong = [
        s["move"].name
        for s in specs
        if s["status"] in expected
        and s["move"].payment_state not in expected[s["status"]]
    ]
    if wrong:
        print(f"Attention : paiement non conforme pour {', '.join(wrong)}")

    # One customer transfer received but not matched with its invoice.
    unmatched = next(spec for spec in specs if spec.get("unmatched"))
    move = unmatched["move"]
    pay_date = _business_day(
        min(
            today - datetime.timedelta(days=3),
            unmatched["due"] + datetime.timedelta(days=9),
        ),
        move.invoice_date,
    )
    payment = (
        env["account.payment"]
        .with_company(company)
        .create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": move.partner_id.id,
                "amount": move.amount_total,
                "date": pay_date,
                "journal_id": journal.id,
                "memo": "VIR SEPA IMPRIMERIE LUMIERE - REGLEMENT FOURNISSEUR",
            }
        )
    )
    payment.action_post()
    return payment


def _create_credit_notes(env, rng, company, specs, today):
    """5 cancelling credit notes, 5 partial ones reconciled, 5 left open."""
    eligible = [s for s in specs if not s.get("dispute") and not s.get("unmatched")]
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
    refunds = env["account.move"].with_company(company).create(vals_list)
    # Posting a credit note whose reversed_entry_id is a posted invoice reconciles
    # both (account.move._post), exactly like the "Credit note" button does.
    refunds.action_post()
    return refunds


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
        f"paiement non lettré : {payment.name} "
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
    """A demo has no outgoing mail server: the night's reminder emails are
    handed over as a server would take them (Odoo's own post-processing of a
    sent email), so that the reminders read "Done" and their invoices move up,
    as in a company that sends its emails."""
    mails = env["mail.mail"].search(
        [("model", "=", "account.dunning.action"), ("state", "=", "outgoing")]
    )
    mails.write({"state": "sent"})
    mails._postprocess_sent_message(success_pids=mails.recipient_ids)
    env["account.dunning.delivery"]._apply_email_outcomes()


def _run_dunning(env, company, today):
    if "account.dunning.run" not in env:
        print("Modèle account.dunning.run absent : relance non exécutée.")
        return
    try:
        with env.cr.savepoint():
            run_model = env["account.dunning.run"].with_company(company)
            run = run_model.create({"company_id": company.id, "date": today})
            run.action_run()
            _hand_over_emails(env)
            print(f"\n=== Relance {run.display_name} ===")
            for fname, field in run._fields.items():
                value = run[fname]
                if fname in ("state", "duration", "error_log", "summary") and value:
                    print(f"{field.string} : {value}")
                elif field.type == "integer" and value and fname != "id":
                    if not fname.startswith(("cursor_", "message_", "activity_")):
                        print(f"{field.string} : {value}")
    except Exception as exc:  # the demo data must still be committed
        traceback.print_exc()
        print(
            f"\n!!! La relance (account.dunning.run) a échoué : "
            f"{type(exc).__name__}: {exc}\n!!! Les données de démonstration sont "
            "conservées.",
            file=sys.stderr,
        )


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def populate(env, today=None):
    """Create the demo company and its receivables. Return the company or None."""
    from odoo import fields

    today = fields.Date.to_date(today) if today else datetime.date.today()
    if env["res.company"].search([("name", "=", COMPANY_NAME)]):
        print(f"La société {COMPANY_NAME!r} existe déjà : rien à faire.")
        return None
    started = time.monotonic()
    rng = random.Random(SEED)
    base_env = env
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
    # Create the business documents as the admin user (still in sudo mode).
    env = env(user=admin.id, su=True)
    terms = _payment_terms(env)
    customers = _create_customers(env, rng, company, terms, camille, admin)
    products = _create_products(env, company)
    step("utilisateurs, clients, articles")
    specs = _create_invoices(
        env, rng, company, customers, products, terms, today, admin
    )
    step("factures")
    payment = _register_payments(env, rng, company, customers, specs, today)
    step("paiements")
    _create_credit_notes(env, rng, company, specs, today)
    env.flush_all()
    step("avoirs")
    _summary(env, company, customers, today, payment)
    previous = started
    details = []
    for label, moment in steps:
        details.append(f"{label} {moment - previous:.1f} s")
        previous = moment
    print(f"Durée : {time.monotonic() - started:.1f} s ({', '.join(details)})")
    _run_dunning(base_env(context=dict(base_env.context, lang="fr_FR")), company, today)
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
