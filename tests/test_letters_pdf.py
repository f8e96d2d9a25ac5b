import re
from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.base.models.ir_actions_report import IrActionsReport

from .common import DunningCommon, pdf_pages, pdf_text


@tagged("post_install", "-at_install")
class TestLettersPdf(DunningCommon, HttpCase):
    """Real wkhtmltopdf rendering: wkhtmltopdf fetches the report CSS from this
    test server, hence HttpCase and report.url."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"].search(
            [("name", "=", "account_dunning")]
        )._update_translations(["fr_FR"])
        cls.due = date(2026, 3, 2)

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))

    def _letter(self, partner, level, amounts=(1200.0,)):
        invoices = self.env["account.move"]
        for amount in amounts:
            invoices |= self._create_invoice(partner, self.due, amount=amount)
        previous = self.policy._get_ordered_levels().filtered(
            lambda lv: lv.delay < level.delay
        )[-1:]
        if previous:
            self._set_level(invoices, previous)
        run = self.env["account.dunning.run"].create(
            {
                "company_id": self.company.id,
                "date": self.due + timedelta(days=level.delay + 5),
            }
        )
        run.action_run()
        letter = run.action_ids.filtered(
            lambda a: a.channel == "letter" and a.partner_id == partner
        )
        if letter.state == "draft":
            letter.action_validate()
        return letter, invoices

    def test_formal_notice_pdf_in_french(self):
        customer = self._create_customer("Menuiserie Girard", lang="fr_FR")
        notice, invoices = self._letter(
            customer.with_env(self.env), self.level_notice, amounts=(1200.0, 300.5)
        )
        notice = notice.with_env(self.env)
        self.assertEqual(notice.state, "to_send")
        notice.registered_mail_ref = "1A 123 456 7890 1"
        wkhtmltopdf = IrActionsReport._run_wkhtmltopdf
        with patch.object(
            IrActionsReport, "_run_wkhtmltopdf", autospec=True, side_effect=wkhtmltopdf
        ) as calls:
            download = notice.action_print_letters()
        self.assertEqual(calls.call_count, 1)
        self.assertEqual(notice.state, "done")
        attachment = notice.letter_attachment_id
        self.assertTrue(attachment)
        self.assertTrue(attachment.raw.startswith(b"%PDF"))
        self.assertIn("/web/content/", download["url"])
        text = pdf_text(attachment.raw)
        for expected in (
            "MISE EN DEMEURE",
            "Lettre recommandée avec accusé de réception",
            "1A 123 456 7890 1",
            invoices[0].name,
            invoices[1].name,
            "L441-10",
            "8 jours",
            "Menuiserie Girard",
        ):
            self.assertIn(expected, text)
        # 35 days at 12.15 %: 1,200.00 -> 13.98, 300.50 -> 3.50; + 2 x 40 €
        # = 1,597.98 claimed, in words in the customer's language
        self.assertIn("mille cinq cent quatre-vingt-dix-sept euros", text)
        self.assertIn("quatre-vingt-dix-huit centimes", text)
        # the letter is in the evidence: posted in both chatters with the PDF
        for record in (notice, customer):
            message = record.message_ids.filtered(
                lambda m: attachment in m.attachment_ids
            )
            self.assertTrue(message, f"letter posted on {record}")

    def test_formal_notice_pdf_nets_credits_per_currency(self):
        """Issue 14, items 3 and 4 on paper: the credit note is listed and
        deducted, each currency has its own total in figures and in words."""
        usd = self.setup_other_currency(
            "USD", rates=[("2026-01-01", 1.25), ("2026-03-03", 1.10)]
        )
        customer = self._create_customer("Ébénisterie Roux", lang="fr_FR")
        invoice = self._create_invoice(customer, self.due, amount=1200.0)
        invoice_usd = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "currency_id": usd.id,
                "invoice_date": self.due,
                "invoice_date_due": self.due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Prestation", "price_unit": 500.0, "tax_ids": []}
                    )
                ],
            }
        )
        invoice_usd.action_post()
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": customer.id,
                "invoice_date": date(2026, 3, 10),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Avoir", "price_unit": 200.0, "tax_ids": []}
                    )
                ],
            }
        )
        refund.action_post()
        self._set_level(invoice | invoice_usd, self.level_last_call)
        run = self.env["account.dunning.run"].create(
            {"company_id": self.company.id, "date": self.due + timedelta(days=35)}
        )
        run.action_run()
        notice = run.action_ids.filtered(lambda a: a.partner_id == customer)
        notice.action_validate()
        notice.action_print_letters()
        text = re.sub(r"\s+", " ", pdf_text(notice.letter_attachment_id.raw))
        self.assertIn(refund.name, text)
        # EUR: 1,200.00 less 200.00 = 1,000.00, + 13.98 interest + 40.00
        # USD: 500.00 + 5.83 interest + 44.00 (40 € on 3 March)
        self.assertIn("mille cinquante-trois euros", text)
        self.assertIn("cinq cent quarante-neuf dollars", text)
        self.assertIn("44,00", text)
        self.assertNotIn("1 753", text, "no sum across currencies")

    def test_batch_of_letters_is_one_pdf_with_one_letter_per_customer(self):
        customers = [
            self._create_customer(name)
            for name in ("Batch Alpha", "Batch Bravo", "Batch Charlie")
        ]
        letters = self.env["account.dunning.action"]
        for customer in customers:
            letter, _invoices = self._letter(customer, self.level_second)
            letters |= letter
        self.assertEqual(letters.mapped("state"), ["to_send"] * 3)
        queue = self.env["account.dunning.queue"].search(
            [("partner_id", "in", [c.id for c in customers])]
        )
        self.assertEqual(len(queue), 3)
        wkhtmltopdf = IrActionsReport._run_wkhtmltopdf
        with patch.object(
            IrActionsReport, "_run_wkhtmltopdf", autospec=True, side_effect=wkhtmltopdf
        ) as calls:
            download = queue.action_print_letters()
        self.assertEqual(calls.call_count, 1, "one wkhtmltopdf call for the batch")
        batch_id = int(download["url"].split("/")[3].split("?")[0])
        batch = self.env["ir.attachment"].browse(batch_id)
        self.assertGreaterEqual(pdf_pages(batch.raw), 3)
        batch_text = pdf_text(batch.raw)
        for letter in letters:
            self.assertEqual(letter.state, "done")
            own = pdf_text(letter.letter_attachment_id.raw)
            self.assertIn(letter.partner_id.name, own)
            self.assertIn(letter._get_letter_reference(), own)
            for other in letters - letter:
                self.assertNotIn(other.partner_id.name, own)
            self.assertIn(letter.partner_id.name, batch_text)
        # printing again gives the letters without filing them twice
        attachments = letters.letter_attachment_id
        letters.action_print_letters()
        self.assertEqual(letters.letter_attachment_id, attachments)

    def test_account_statement_pdf(self):
        customer = self._create_customer("Relevé Client")
        invoice = self._create_invoice(
            customer, date.today() - timedelta(days=45), 500.0
        )
        self._create_invoice(customer, date.today() + timedelta(days=10), 200.0)
        self._pay(invoice, amount=100.0)
        pdf, report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            "account_dunning.action_report_dunning_statement", customer.ids
        )
        self.assertEqual(report_type, "pdf")
        text = pdf_text(pdf)
        self.assertIn("Account statement", text)
        self.assertIn(invoice.name, text)
        self.assertIn("600.00", text)  # balance: 400 overdue + 200 not due
        self.assertIn("six hundred", text.lower())
