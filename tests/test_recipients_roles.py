from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestRecipientsRoles(DunningCommon):
    """Each level addresses the contacts holding its roles, else the invoice
    address, else the customer itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role_ap = cls.env.ref("account_dunning.role_accounts_payable")
        cls.role_cfo = cls.env.ref("account_dunning.role_cfo")
        cls.role_ceo = cls.env.ref("account_dunning.role_ceo")
        cls.group = cls._create_customer("Grand Groupe Industriel")
        Partner = cls.env["res.partner"]
        cls.ap = Partner.create(
            {
                "name": "Service comptabilité fournisseurs",
                "parent_id": cls.group.id,
                "email": "fournisseurs@grand-groupe.example.com",
                "dunning_role_ids": [(6, 0, cls.role_ap.ids)],
            }
        )
        cls.cfo = Partner.create(
            {
                "name": "Directrice financière",
                "parent_id": cls.group.id,
                "email": "daf@grand-groupe.example.com",
                "dunning_role_ids": [(6, 0, cls.role_cfo.ids)],
            }
        )
        cls.ceo = Partner.create(
            {
                "name": "Président",
                "parent_id": cls.group.id,
                "email": "pdg@grand-groupe.example.com",
                "dunning_role_ids": [(6, 0, cls.role_ceo.ids)],
            }
        )
        cls.purchaser = Partner.create(
            {"name": "Acheteur", "parent_id": cls.group.id, "email": "a@gg.example.com"}
        )

    def test_default_roles_exist(self):
        roles = self.env["account.dunning.role"].search([])
        self.assertLessEqual(
            {"accounts_payable", "approver", "purchaser", "cfo", "ceo", "legal"},
            set(roles.mapped("code")),
        )
        self.assertEqual(self.level_first.role_ids, self.role_ap)
        self.assertEqual(self.level_notice.role_ids, self.role_cfo + self.role_ceo)

    def test_contact_of_another_company_is_never_reminded(self):
        """A contact that belongs to another company (a sister company's own
        accounts payable address book) is invisible to this company: its
        reminders go to the contacts it may see."""
        other_company = self.env["res.company"].create({"name": "Filiale B"})
        self.ap.company_id = other_company
        self._create_invoice(self.group, "2026-03-02")
        run = self._run("2026-03-02")
        email = run.action_ids.filtered(lambda a: a.channel == "email")
        self.assertNotIn(self.ap, email.contact_ids)
        self.assertEqual(email.contact_ids, self.group)

    def test_levels_follow_roles(self):
        invoice = self._create_invoice(self.group, "2026-03-02")
        run = self._run("2026-03-02")
        email = run.action_ids.filtered(lambda a: a.channel == "email")
        self.assertEqual(email.contact_ids, self.ap)
        self.assertEqual(email.mail_id.recipient_ids, self.ap)
        self._set_level(invoice, self.level_last_call)
        run = self._run("2026-04-10")
        notice = run.action_ids
        self.assertTrue(notice.is_formal_notice)
        self.assertEqual(notice.contact_ids, self.cfo + self.ceo)

    def test_fallback_to_invoice_address_then_company(self):
        invoice = self._create_invoice(self.customer, "2026-03-02")
        first = self.level_first
        recipients = self.customer._get_dunning_recipients(first, invoice)
        self.assertEqual(recipients, self.customer, "nobody else: the company")
        billing = self.env["res.partner"].create(
            {
                "name": "Adresse de facturation",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "factures@boulangerie-martin.example.com",
            }
        )
        recipients = self.customer._get_dunning_recipients(first, invoice)
        self.assertEqual(recipients, billing, "the customer's invoice address")
        other = self.env["res.partner"].create(
            {
                "name": "Magasin de Villeurbanne",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "villeurbanne@boulangerie-martin.example.com",
            }
        )
        sent_there = self._create_invoice(other, "2026-03-02")
        recipients = self.customer._get_dunning_recipients(first, sent_there)
        self.assertEqual(recipients, other, "the address the invoice went to")
        # a contact with the role wins over every address
        holder = self.env["res.partner"].create(
            {
                "name": "Comptable",
                "parent_id": self.customer.id,
                "dunning_role_ids": [(6, 0, self.role_ap.ids)],
            }
        )
        recipients = self.customer._get_dunning_recipients(first, sent_there)
        self.assertEqual(recipients, holder)
        # an archived role holder no longer receives anything
        holder.active = False
        recipients = self.customer._get_dunning_recipients(first, sent_there)
        self.assertEqual(recipients, other)

    def test_invoice_address_is_the_one_odoo_finds(self):
        """The engine reads every contact of a batch in one query and looks for
        the invoice address itself: it finds the one `address_get` finds, down
        nested contacts, past archived ones and other companies."""
        Partner = self.env["res.partner"]
        customer = self._create_customer("Réseau de Boulangeries")
        # an individual (contact) with, below it, a second invoice address
        manager = Partner.create(
            {"name": "A - Gérant", "parent_id": customer.id, "type": "contact"}
        )
        nested = Partner.create(
            {"name": "Compta du gérant", "parent_id": manager.id, "type": "invoice"}
        )
        delivery = Partner.create(
            {"name": "B - Livraisons", "parent_id": customer.id, "type": "delivery"}
        )
        subsidiary = Partner.create(
            {"name": "0 - Filiale", "parent_id": customer.id, "is_company": True}
        )
        Partner.create(
            {"name": "Factures filiale", "parent_id": subsidiary.id, "type": "invoice"}
        )
        invoice = self._create_invoice(customer, "2026-03-02")

        def engine_choice():
            return customer._get_dunning_recipients(self.level_first, invoice)

        def odoo_choice():
            return Partner.browse(customer.address_get(["invoice"])["invoice"])

        self.assertEqual(odoo_choice(), nested)
        self.assertEqual(engine_choice(), nested)
        direct = Partner.create(
            {"name": "Z - Factures", "parent_id": customer.id, "type": "invoice"}
        )
        self.assertEqual(engine_choice(), odoo_choice())
        nested.active = False
        self.assertEqual(odoo_choice(), direct)
        self.assertEqual(engine_choice(), direct)
        (direct + manager).write({"active": False})
        self.assertEqual(engine_choice(), odoo_choice())
        self.assertNotIn(delivery, engine_choice())

    def test_customer_form_who_to_remind(self):
        self._create_invoice(self.group, "2026-03-02")
        html = str(self.group.dunning_who_to_remind)
        self.assertIn(self.level_first.name, html)
        self.assertIn("fournisseurs@grand-groupe.example.com", html)
        self.assertIn("daf@grand-groupe.example.com", html)
        self.assertNotIn("a@gg.example.com", html, "no role, not reminded")

    def test_public_entity_and_validation_notes(self):
        with Form(self.customer) as form:
            form.is_public_entity = True
            form.dunning_chorus_service_code = "SERV-FACT-01"
            form.dunning_note = "Numéro de bon de commande obligatoire"
        self.assertTrue(self.customer.is_public_entity)
        self.assertEqual(self.customer.dunning_chorus_service_code, "SERV-FACT-01")
        self.assertIn("bon de commande", self.customer.dunning_note)
