import base64
import shutil
from datetime import date
from unittest import skipIf

from freezegun import freeze_time

from odoo.tests import Form, HttpCase, tagged

from .common import DunningCommon, pdf_text


@tagged("post_install", "-at_install")
@skipIf(not shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed")
class TestScheduleReport(DunningCommon, HttpCase):
    def test_agreement_pdf_in_french(self):
        """The agreement prints through wkhtmltopdf with its table of payments,
        the total in figures and in French words, the acknowledgement of debt,
        the acceleration clause and the signature blocks; the PDF is attached to
        the schedule."""
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        invoice = self._create_invoice(self.customer, "2026-03-01", amount=1200.0)
        with freeze_time(date(2026, 4, 15)):
            form = Form(
                self.env["account.dunning.schedule.wizard"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            form.down_payment = 300.0
            form.instalment_count = 3
            form.first_date = date(2026, 5, 15)
            action = form.save().action_confirm()
        schedule = self.env["account.dunning.schedule"].browse(action["res_id"])
        report = self.env.ref("account_dunning.account_dunning_schedule_report")
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, schedule.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = " ".join(pdf_text(pdf).split())  # one line, single spaces
        self.assertIn("mille deux cents", text)
        self.assertIn(invoice.name, text)
        for day in ("15/04/2026", "15/05/2026", "15/06/2026", "15/07/2026"):
            self.assertIn(day, text)
        self.assertEqual(text.count("300,00"), 4 + 0, text)
        self.assertIn("1 200,00", text.replace("\u202f", " ").replace("\xa0", " "))
        self.assertIn("2240", text, "acknowledgement of debt")
        self.assertIn(schedule.name, text)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", schedule._name), ("res_id", "=", schedule.id)]
        )
        self.assertEqual(len(attachment), 1, "the agreement is attached")
        self.assertTrue(base64.b64decode(attachment.datas).startswith(b"%PDF"))
