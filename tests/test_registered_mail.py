import base64
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DunningCommon

LETTER_REPORT = "account_dunning.action_report_dunning_letter"
PROVIDER_LOGGER = (
    "odoo.addons.account_dunning.models.account_dunning_registered_provider"
)
PROOF = b"%PDF-1.4 scanned acknowledgement of receipt"


@tagged("post_install", "-at_install")
class TestRegisteredMail(DunningCommon):
    """A formal notice sent by registered mail: how it left, its date of
    receipt (which starts the payment deadline and a private person's
    interest) and its proof, entered from the reminder or the work queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.dunning_debtor_category = "b2b"
        cls.invoice = cls._create_invoice(cls.customer, "2026-02-01", 1000)
        cls.notice = cls._notice(cls.invoice, "2026-03-02")

    @classmethod
    def _notice(cls, invoice, day, state="done"):
        return cls.env["account.dunning.action"].create(
            {
                "partner_id": invoice.commercial_partner_id.id,
                "level_id": cls.level_notice.id,
                "date": day,
                "channel": "letter",
                "state": state,
                "amount_due": invoice.amount_residual,
                "line_ids": [
                    Command.create(
                        {
                            "move_id": invoice.id,
                            "level_id": cls.level_notice.id,
                            "currency_id": invoice.currency_id.id,
                            "date_due": invoice.invoice_date_due,
                            "amount_total": invoice.amount_total,
                            "amount_residual": invoice.amount_residual,
                        }
                    )
                ],
            }
        )

    def _wizard(self, action, **values):
        """The quick entry as a user fills it (`action`: what the button
        returned), saved and confirmed on 10 April 2026."""
        with freeze_time("2026-04-10 10:00:00"):
            form = Form(self.env[action["res_model"]].with_context(**action["context"]))
            for name, value in values.items():
                setattr(form, name, value)
            wizard = form.save()
            return wizard.action_confirm()

    def _queue_row(self):
        self.env.flush_all()
        return self.env["account.dunning.queue"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("company_id", "=", self.company.id),
            ]
        )

    def _proofs(self):
        return self.env["ir.attachment"].search_count(
            [("res_model", "=", self.notice._name), ("res_id", "=", self.notice.id)]
        )

    def test_entered_from_the_reminder_then_from_the_work_queue(self):
        notice = self.notice
        # no registered mail recorded: today's deadline, from the notice's date
        # (2 March + 8 days)
        self.assertEqual(notice.payment_deadline, date(2026, 3, 10))
        self.assertFalse(notice.awaiting_receipt)
        self.assertFalse(self._queue_row().receipt_action_id)

        self._wizard(
            notice.action_record_receipt(),
            registered_mail_mode="lrar",
            registered_mail_ref="1A 234 567 8901 2",
            posted_date=date(2026, 3, 3),
        )
        self.assertEqual(notice.registered_mail_mode, "lrar")
        self.assertEqual(notice.registered_mail_ref, "1A 234 567 8901 2")
        self.assertEqual(notice.posted_date, date(2026, 3, 3))
        self.assertTrue(notice.awaiting_receipt)
        self.assertFalse(notice.payment_deadline)
        self.assertEqual(
            self.env["account.dunning.action"].search(
                [("awaiting_receipt", "=", True), ("partner_id", "=", self.customer.id)]
            ),
            notice,
        )
        row = self._queue_row()
        self.assertEqual(row.receipt_action_id, notice)

        self._wizard(
            row.action_record_receipt(),
            received_date=date(2026, 3, 5),
            proof_file=base64.b64encode(PROOF),
            proof_filename="AR 1A 234 567 8901 2.pdf",
        )
        # kept what was recorded before, added the receipt and its proof
        self.assertEqual(notice.registered_mail_ref, "1A 234 567 8901 2")
        self.assertEqual(notice.posted_date, date(2026, 3, 3))
        self.assertEqual(notice.received_date, date(2026, 3, 5))
        self.assertFalse(notice.awaiting_receipt)
        # 5 March + 8 days
        self.assertEqual(notice.payment_deadline, date(2026, 3, 13))
        proof = notice.proof_attachment_id
        self.assertEqual(proof.name, "AR 1A 234 567 8901 2.pdf")
        self.assertEqual(proof.raw, PROOF)
        self.assertEqual((proof.res_model, proof.res_id), (notice._name, notice.id))
        self.assertFalse(self._queue_row().receipt_action_id)

    def test_bad_dates_are_refused_and_nothing_is_written(self):
        notice = self.notice
        action = notice.action_record_receipt()
        cases = [
            (
                {"posted_date": date(2026, 3, 6), "received_date": date(2026, 3, 5)},
                "The date of receipt (03/05/2026) cannot be before the posting "
                "date (03/06/2026).",
            ),
            (
                {"posted_date": date(2026, 3, 3), "received_date": date(2026, 4, 11)},
                "The date of receipt (04/11/2026) cannot be in the future.",
            ),
            (
                {"posted_date": date(2026, 4, 11)},
                "The posting date (04/11/2026) cannot be in the future.",
            ),
        ]
        for values, message in cases:
            with self.subTest(values=values), self.assertRaises(UserError) as error:
                self._wizard(
                    action,
                    registered_mail_mode="lrar",
                    registered_mail_ref="1A 999",
                    proof_file=base64.b64encode(PROOF),
                    proof_filename="AR.pdf",
                    **values,
                )
            self.assertEqual(str(error.exception), message)
            self.assertFalse(notice.registered_mail_mode)
            self.assertFalse(notice.registered_mail_ref)
            self.assertFalse(notice.received_date)
            self.assertFalse(notice.proof_attachment_id)
            self.assertEqual(self._proofs(), 0)
        # any other path is refused by the reminder itself
        with freeze_time("2026-04-10"), self.assertRaises(ValidationError):
            notice.write(
                {"posted_date": date(2026, 3, 6), "received_date": date(2026, 3, 5)}
            )

    def test_only_a_notice_sent_records_its_receipt(self):
        draft = self._notice(
            self._create_invoice(self.customer, "2026-02-03", 300),
            "2026-03-20",
            state="draft",
        )
        with self.assertRaises(UserError) as error:
            self._wizard(draft.action_record_receipt(), posted_date=date(2026, 3, 20))
        self.assertEqual(
            str(error.exception),
            "Only a formal notice that was sent can record its registered mail "
            "and its receipt.",
        )
        self.assertFalse(draft.registered_mail_mode)

    def test_private_person_interest_starts_on_the_date_of_receipt(self):
        person = self._create_customer("Jean Dupont", is_company=False)
        self.assertEqual(person.dunning_debtor_category, "b2c")
        invoice = self._create_invoice(person, "2026-02-01", 1000)
        notice = self._notice(invoice, "2026-03-01")
        # a notice without registered mode: interest from its date, as before
        # 1,000.00 x 2.62 % x 30 days (2-31 March) / 365 = 2.153 -> 2.15
        values = invoice._get_dunning_penalties("2026-03-31")[invoice.id]
        self.assertAlmostEqual(values["interest"], 2.15, places=2)
        with freeze_time("2026-04-10"):
            notice.write({"registered_mail_mode": "lrar", "posted_date": "2026-03-01"})
        # sent by registered mail, awaiting receipt: no interest, no deadline
        values = invoice._get_dunning_penalties("2026-03-31")[invoice.id]
        self.assertEqual(values["interest"], 0.0)
        self.assertEqual(values["periods"], [])
        self.assertFalse(notice.payment_deadline)
        with freeze_time("2026-04-10"):
            notice.received_date = "2026-03-03"
        # from the day after receipt: 1,000.00 x 2.62 % x 28 days (4-31 March)
        # / 365 = 2.0099 -> 2.01
        values = invoice._get_dunning_penalties("2026-03-31")[invoice.id]
        self.assertAlmostEqual(values["interest"], 2.01, places=2)
        self.assertEqual(
            values["periods"],
            [(date(2026, 3, 4), date(2026, 3, 31), 28, 1000.0, 2.62)],
        )
        self.assertEqual(values["fixed_fee"], 0.0)
        # a private person gets at least 15 days: 3 March + 15 days
        self.assertEqual(notice.payment_deadline, date(2026, 3, 18))

    def test_letter_mention_follows_the_mode(self):
        Report = self.env["ir.actions.report"]
        mentions = {
            False: "Registered letter with acknowledgement of receipt",
            "lrar": "Registered letter with acknowledgement of receipt",
            "lre": "Electronic registered letter",
            "bailiff": "Served by a commissaire de justice",
        }
        for mode, mention in mentions.items():
            with self.subTest(mode=mode):
                self.notice.write(
                    {"registered_mail_mode": mode, "registered_mail_ref": "RR 42"}
                )
                html = str(Report._render_qweb_html(LETTER_REPORT, self.notice.ids)[0])
                self.assertIn(f"{mention} No. RR 42", " ".join(html.split()))
                for other in set(mentions.values()) - {mention}:
                    self.assertNotIn(other, html)

    def test_provider_fills_the_receipt_during_the_night(self):
        Provider = self.env["account.dunning.registered.provider"]
        self.notice.write({"registered_mail_mode": "lre", "posted_date": "2026-03-02"})
        late = self._notice(
            self._create_invoice(self.customer, "2026-02-02", 500), "2026-03-02"
        )
        late.write({"registered_mail_mode": "lre", "posted_date": "2026-03-02"})
        # the run asks the providers (none shipped) about the notices awaiting
        # receipt; a stub provider knows one receipt, and a date of receipt
        # in the future for the other, which is not recorded
        with (
            patch.object(
                type(Provider),
                "_fetch_registered_mail",
                autospec=True,
                return_value={
                    self.notice.id: {
                        "registered_mail_ref": "LRE-77",
                        "received_date": date(2026, 3, 4),
                        "proof": {"name": "LRE-77.pdf", "raw": PROOF},
                    },
                    late.id: {"received_date": date(2026, 12, 31)},
                },
            ) as hook,
            self.assertLogs(PROVIDER_LOGGER, "WARNING") as logs,
        ):
            self._run("2026-04-10", deliver=False)
        self.assertEqual(
            logs.output,
            [
                f"WARNING:{PROVIDER_LOGGER}:Registered mail update of reminder "
                f"{late.id} ignored: The date of receipt (12/31/2026) cannot be "
                "in the future."
            ],
        )
        self.assertEqual(hook.call_count, 1)
        self.assertEqual(hook.call_args.args[1], self.notice | late)
        self.assertEqual(self.notice.registered_mail_ref, "LRE-77")
        self.assertEqual(self.notice.received_date, date(2026, 3, 4))
        self.assertEqual(self.notice.payment_deadline, date(2026, 3, 12))
        self.assertEqual(self.notice.proof_attachment_id.raw, PROOF)
        self.assertFalse(late.received_date)
        self.assertTrue(late.awaiting_receipt)
        # without a provider, nothing changes
        self.assertFalse(Provider._fetch_updates(late))
        self.assertTrue(late.awaiting_receipt)
