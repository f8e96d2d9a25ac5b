import base64
import io
import zipfile
from datetime import date, datetime, time

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, HttpCase, tagged

from .common import DunningCommon, pdf_text


@tagged("post_install", "-at_install")
class TestLitigationFile(DunningCommon, HttpCase):
    """The litigation file: one ZIP with every document an agent or a court
    asks for. Real wkhtmltopdf rendering: wkhtmltopdf fetches the report CSS
    from this test server, hence HttpCase and report.url."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.due = date(2026, 3, 2)
        cls.customer.write(
            {
                "siret": "73282932000074",
                "dunning_legal_form": "SARL",
                "lang": "fr_FR",
            }
        )
        cls.company.partner_id.write({"siret": "55208131766522"})
        cls.invoice = cls._create_invoice(cls.customer, cls.due, amount=1200.0)
        cls._set_level(cls.invoice, cls.level_first, day=date(2026, 3, 9))
        cls._set_level(cls.invoice, cls.level_notice, day=date(2026, 4, 1))
        cls.notice = cls.env["account.dunning.action"].search(
            [
                ("partner_id", "=", cls.customer.id),
                ("level_id", "=", cls.level_notice.id),
            ]
        )
        Attachment = cls.env["ir.attachment"]
        cls.notice.write(
            {
                "letter_attachment_id": Attachment.create(
                    {"name": "Mise en demeure.pdf", "raw": b"%PDF-1.4 letter"}
                ).id,
                "proof_attachment_id": Attachment.create(
                    {"name": "AR.pdf", "raw": b"%PDF-1.4 proof"}
                ).id,
            }
        )
        for name in ("Contrat cadre.pdf", "CGV 2026.pdf"):
            Attachment.create(
                {
                    "name": name,
                    "datas": base64.b64encode(b"%PDF-1.4 " + name.encode()),
                    "res_model": "res.partner",
                    "res_id": cls.customer.id,
                }
            )
        with freeze_time(datetime.combine(date(2026, 3, 12), time(12, 0))):
            cls.env["account.dunning.promise"].create(
                {
                    "partner_id": cls.customer.id,
                    "move_ids": [Command.set(cls.invoice.ids)],
                    "date": date(2026, 3, 20),
                    "amount": 1200.0,
                }
            )
        cls.env["account.dunning.dispute"].create(
            {
                "partner_id": cls.customer.id,
                "reason_id": cls.env.ref("account_dunning.reason_dispute").id,
                "move_ids": [Command.set(cls.invoice.ids)],
            }
        )
        cls.agent = cls.env["res.partner"].create(
            {"name": "Maître Durand, commissaire de justice"}
        )

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))

    def test_file_holds_every_document(self):
        day = date(2026, 5, 4)
        with freeze_time(datetime.combine(day, time(12, 0))):
            action = self.customer.action_dunning_hand_over()
            form = Form(self.env[action["res_model"]].with_context(**action["context"]))
            form.route = "injunction"
            form.agent_id = self.agent
            case = self.env["account.dunning.litigation"].browse(
                form.save().action_confirm()["res_id"]
            )
        action = case.action_download_file()
        attachment = case.file_attachment_id
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(attachment.res_model, case._name)
        self.assertEqual(attachment.res_id, case.id)
        archive = zipfile.ZipFile(io.BytesIO(attachment.raw))
        names = set(archive.namelist())
        invoice_pdf = "01_Factures/{}.pdf".format(self.invoice.name.replace("/", "_"))
        expected = {
            "00_Fiche_injonction_de_payer.pdf",
            invoice_pdf,
            "02_Historique_des_relances.csv",
            "03_Mise_en_demeure/Lettre_2026-04-01_Mise en demeure.pdf",
            "03_Mise_en_demeure/Preuve_de_reception_2026-04-01_AR.pdf",
            "04_Calcul_des_penalites.csv",
            "05_Releve_de_compte.pdf",
            "06_Promesses_et_litiges.csv",
            "07_Documents_client/Contrat cadre.pdf",
            "07_Documents_client/CGV 2026.pdf",
        }
        self.assertEqual(names, expected)
        for name in ("00_Fiche_injonction_de_payer.pdf", invoice_pdf):
            self.assertTrue(archive.read(name).startswith(b"%PDF"), name)
        self.assertTrue(archive.read("05_Releve_de_compte.pdf").startswith(b"%PDF"))
        # the data sheet: every item of the requête en injonction de payer
        sheet = pdf_text(archive.read("00_Fiche_injonction_de_payer.pdf"))
        for item in (
            "Requête en injonction de payer",
            "Créancier",
            "552081317",  # the creditor's SIREN
            "Boulangerie Martin",
            "SARL",
            "732829320",  # the debtor's SIREN
            "Principal",
            "L441-10",
            "Indemnités forfaitaires",
            "Mise en demeure du",
            "Contrat cadre.pdf",
            "CGV 2026.pdf",
            self.invoice.name,
            "Signature",
        ):
            self.assertIn(item, sheet)
        history = archive.read("02_Historique_des_relances.csv").decode("utf-8-sig")
        self.assertIn("2026-03-09", history)
        self.assertIn("2026-04-01", history)
        self.assertIn(self.level_notice.name, history)
        penalties = archive.read("04_Calcul_des_penalites.csv").decode("utf-8-sig")
        self.assertIn("40,00", penalties)
        promises = archive.read("06_Promesses_et_litiges.csv").decode("utf-8-sig")
        self.assertIn("Promesse de paiement", promises)
        self.assertIn("Contestation", promises)
        # downloading again replaces the previous file
        case.action_download_file()
        self.assertNotEqual(case.file_attachment_id, attachment)
        self.assertFalse(attachment.exists())
