from datetime import timedelta

from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningWizardPreview(DunningCommon):
    """ "Relancer": the email each customer would receive, rendered on demand
    for the line opened, in the customer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.ref("base.module_account_dunning")._update_translations(["fr_FR"])
        cls.today = cls.env["account.dunning.run"]._company_today(cls.company)
        cls.customer.lang = "fr_FR"
        cls.other = cls._create_customer("Garage Dupont", lang="en_US")
        cls.Wizard = cls.env["account.dunning.wizard"]

    def _open(self, invoices):
        return Form(
            self.Wizard.with_context(
                active_model="account.move", active_ids=invoices.ids
            )
        )

    def test_email_preview_in_the_customers_language(self):
        first = self._create_invoice(
            self.customer, self.today - timedelta(days=3), 1234.5
        )
        second = self._create_invoice(
            self.customer, self.today - timedelta(days=1), 100.0
        )
        english = self._create_invoice(self.other, self.today - timedelta(days=2))
        form = self._open(first | second | english)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.partner_id, self.customer)
            self.assertEqual(line.level_id, self.level_first)
            # nothing rendered until asked: the wizard opens fast
            self.assertFalse(line.email_preview)
            line.show_preview = True
            preview = str(line.email_preview)
            self.assertIn(first.name, preview)
            self.assertIn(second.name, preview)
            self.assertNotIn(english.name, preview)
            self.assertIn("Boulangerie Martin", preview, "the recipient")
            self.assertIn("relance de factures impayées", preview, "French subject")
            self.assertIn("Bonjour", preview, "French body")
            self.assertRegex(preview, r"1.234,50", "French amounts")
            self.assertIn(first.invoice_date_due.strftime("%d/%m/%Y"), preview)
            self.assertFalse(line.letter_preview, "the first level sends no letter")
        with form.line_ids.edit(1) as line:
            self.assertEqual(line.partner_id, self.other)
            self.assertFalse(line.email_preview)
            line.show_preview = True
            preview = str(line.email_preview)
            self.assertIn(english.name, preview)
            self.assertIn("Garage Dupont", preview)
            self.assertIn("reminder of unpaid invoices", preview)
            self.assertIn("Hello", preview)
            # the letter of a higher level: the hook of the letter report
            line.level_id = self.level_second
            self.assertTrue(line.send_letter)
            letter = str(line.letter_preview)
            self.assertIn("second reminder of unpaid invoices", letter)
            self.assertIn(english.name, letter)
            self.assertIn("Garage Dupont", letter)
            self.assertIn("Payment deadline", letter)
            self.assertIn("second reminder", str(line.email_preview))
        # Previewing sent nothing and created no reminder.
        self.assertFalse(
            self.env["account.dunning.action"].search(
                [("partner_id", "in", (self.customer | self.other).ids)]
            )
        )
        self.assertFalse(
            self.env["mail.mail"].search([("model", "=", "account.dunning.action")])
        )
