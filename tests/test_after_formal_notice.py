import base64
import io
import zipfile
from datetime import date, datetime, time
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form, HttpCase, tagged

from .common import DunningCommon
from .test_postal_sending import IAP_JSONRPC, postal_service

PROOF = b"%PDF-1.4 scanned acknowledgement of receipt"


def noon(day):
    return freeze_time(datetime.combine(day, time(12, 0)))


@tagged("post_install", "-at_install")
class TestAfterFormalNotice(DunningCommon, HttpCase):
    """One private customer from the formal notice to the write-off, as the
    credit manager and the accountant click it: the notice leaves by post,
    its receipt starts the interest and the deadline, the deadline passes,
    the debt is handed over to an injonction de payer with its file, then
    moved to 416, depreciated at 50 % and written off with its VAT, on a
    1,200.00 TTC (1,000.00 HT) invoice. Real PDFs (wkhtmltopdf reads the
    report CSS from this test server)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person = cls._create_customer("Jean Dupont", is_company=False)
        cls.due = date(2026, 2, 2)
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.person.id,
                "invoice_date": cls.due,
                "invoice_date_due": cls.due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Rénovation de la cuisine",
                            "quantity": 1,
                            "price_unit": 1000.0,
                            "tax_ids": [
                                Command.set(cls.company.account_sale_tax_id.ids)
                            ],
                        }
                    )
                ],
            }
        )
        cls.invoice.action_post()
        cls._set_level(cls.invoice, cls.level_last_call)
        cls.level_notice.send_mode = "post"
        cls.agent = cls.env["res.partner"].create(
            {"name": "SCP Morel, commissaires de justice", "is_company": True}
        )

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))

    def _form(self, action):
        return Form(self.env[action["res_model"]].with_context(**action["context"]))

    def _queue_row(self):
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["account.dunning.queue"].search(
            [("partner_id", "=", self.person.id)]
        )

    def _doubtful(self, case, operation, day, **values):
        form = Form(
            self.env["account.dunning.doubtful.wizard"].with_context(
                default_case_id=case.id, default_operation=operation
            )
        )
        form.date = day
        for name, value in values.items():
            setattr(form, name, value)
        action = form.save().action_confirm()
        return self.env["account.move"].browse(action.get("res_id")) or (
            self.env["account.move"].search(action["domain"])
        )

    @staticmethod
    def _lines(move):
        return sorted(
            (line.account_id.code, line.debit, line.credit)
            for line in move.line_ids
            if line.debit or line.credit
        )

    def test_from_the_formal_notice_to_the_write_off(self):
        self.assertEqual(self.invoice.amount_total, 1200.0)
        self.assertEqual(self.person.dunning_debtor_category, "b2c")

        # 1. The night of 4 March proposes the formal notice, sent by post
        run = self._run(date(2026, 3, 4))
        notice = run.action_ids.filtered("is_formal_notice").with_env(self.env)
        letter = notice.filtered(lambda action: action.channel == "letter")
        self.assertEqual((letter.state, letter.send_mode), ("draft", "post"))
        letter.action_validate()
        self.assertEqual(letter.state, "sending")
        with (
            patch(IAP_JSONRPC, side_effect=postal_service()) as endpoint,
            noon(date(2026, 3, 4)),
        ):
            letter.snailmail_letter_id._snailmail_print_valid_address()
        self.assertEqual(endpoint.call_count, 1)
        self.assertEqual(letter.state, "done")
        self.assertEqual(letter.posted_date, date(2026, 3, 4))
        self.assertTrue(letter.letter_attachment_id.raw.startswith(b"%PDF"))

        # 2. Registered with acknowledgement: no interest, no deadline until
        # the receipt is known
        with noon(date(2026, 3, 5)):
            form = self._form(letter.action_record_receipt())
            form.registered_mail_mode = "lrar"
            form.registered_mail_ref = "1A 234 567 8901 2"
            form.posted_date = date(2026, 3, 4)
            form.save().action_confirm()
        self.assertTrue(letter.awaiting_receipt)
        self.assertFalse(letter.payment_deadline)
        penalties = self.invoice._get_dunning_penalties(date(2026, 3, 31))
        self.assertEqual(penalties[self.invoice.id]["interest"], 0.0)
        # received on 6 March, entered from the work queue with the scanned AR
        with noon(date(2026, 3, 9)):
            row = self._queue_row()
            self.assertEqual(row.receipt_action_id, letter)
            form = self._form(row.action_record_receipt())
            form.received_date = date(2026, 3, 6)
            form.proof_file = base64.b64encode(PROOF)
            form.proof_filename = "AR 1A 234 567 8901 2.pdf"
            form.save().action_confirm()
        self.assertFalse(letter.awaiting_receipt)
        self.assertEqual(letter.proof_attachment_id.raw, PROOF)
        # a private person gets 15 days from receipt: 6 + 15 = 21 March
        self.assertEqual(letter.payment_deadline, date(2026, 3, 21))
        # interest from the day after receipt at the legal rate (2.62 %):
        # 1,200.00 x 2.62 % x 25 days (7-31 March) / 365 = 2.153 -> 2.15
        penalties = self.invoice._get_dunning_penalties(date(2026, 3, 31))
        self.assertEqual(penalties[self.invoice.id]["interest"], 2.15)
        self.assertEqual(penalties[self.invoice.id]["fixed_fee"], 0.0)

        # 3. The deadline passes unpaid: the queue proposes the hand-over
        with noon(date(2026, 3, 21)):
            self.assertFalse(self._queue_row().hand_over_due)
        with noon(date(2026, 3, 23)):
            row = self._queue_row()
            self.assertTrue(row.hand_over_due)
            form = self._form(row.action_hand_over())
            self.assertEqual(form.notice_action_id, letter)
            self.assertTrue(form.transfer_to_doubtful)
            form.route = "injunction"
            form.agent_id = self.agent
            form.fees = 90.0
            wizard = form.save()
            self.assertEqual(wizard.move_ids, self.invoice)
            case = self.env["account.dunning.litigation"].browse(
                wizard.action_confirm()["res_id"]
            )
        self.assertEqual((case.state, case.route), ("open", "injunction"))
        self.assertTrue(self.person.dunning_in_litigation)
        # the transfer to doubtful debts is prepared with the hand-over
        transfer = case.doubtful_move_id
        self.assertEqual(transfer.state, "draft")
        self.assertEqual(
            self._lines(transfer), [("411100", 0.0, 1200.0), ("416000", 1200.0, 0.0)]
        )

        # 4. No amicable reminder any more, even on a new invoice; counted
        newer = self._create_invoice(self.person, date(2026, 3, 20), amount=300.0)
        run = self._run(date(2026, 3, 24))
        self.assertEqual(run.skip_litigation, 1)
        self.assertFalse(run.action_ids.filtered(lambda a: a.partner_id == self.person))
        self.assertEqual(newer.dunning_level_id.id, False)

        # 5. The litigation file holds every document
        case.action_download_file()
        archive = zipfile.ZipFile(io.BytesIO(case.file_attachment_id.raw))
        names = archive.namelist()
        for expected in (
            "00_Fiche_injonction_de_payer.pdf",
            "01_Factures/{}.pdf".format(self.invoice.name.replace("/", "_")),
            "02_Historique_des_relances.csv",
            "04_Calcul_des_penalites.csv",
            "05_Releve_de_compte.pdf",
            "06_Promesses_et_litiges.csv",
        ):
            self.assertIn(expected, names)
        notice_files = [n for n in names if n.startswith("03_Mise_en_demeure/")]
        self.assertEqual(len(notice_files), 2, notice_files)
        self.assertTrue(any("Lettre_2026-03-04" in n for n in notice_files))
        proof = next(n for n in notice_files if "Preuve_de_reception" in n)
        self.assertEqual(archive.read(proof), PROOF)
        for name in names:
            if name.endswith(".pdf"):
                self.assertTrue(archive.read(name).startswith(b"%PDF"), name)
        history = archive.read("02_Historique_des_relances.csv").decode("utf-8-sig")
        self.assertIn("2026-03-04", history)

        # 6. The accountant posts the transfer: the invoice stays open
        transfer.action_post()
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertEqual(self.invoice.amount_residual, 1200.0)
        # 50 % depreciation of the HT amount at the closing
        depreciation = self._doubtful(case, "depreciate", date(2026, 12, 31), rate=50)
        self.assertEqual(depreciation.state, "draft")
        self.assertEqual(
            self._lines(depreciation), [("491000", 0.0, 500.0), ("681740", 500.0, 0.0)]
        )
        depreciation.action_post()

        # 7. Lost: the case closes, the debt is written off with its VAT
        case.action_close_lost()
        self.assertEqual(case.state, "lost")
        credit_note = self._doubtful(case, "writeoff", date(2026, 12, 31))
        self.assertEqual(case.writeoff_move_id, credit_note)
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.reversed_entry_id, self.invoice)
        self.assertEqual(
            self._lines(credit_note),
            [("416000", 0.0, 1200.0), ("445710", 200.0, 0.0), ("654100", 1000.0, 0.0)],
        )
        reversal = case.depreciation_move_ids - depreciation
        self.assertEqual(
            self._lines(reversal), [("491000", 500.0, 0.0), ("781740", 0.0, 500.0)]
        )
        (credit_note + reversal).action_post()
        self.assertEqual(self.invoice.amount_residual, 0.0)
