from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDisputes(DunningCommon):
    """An open dispute with a pausing reason stops the reminders on its invoices
    only; resolving it resumes them at the next level."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.disputed = cls._create_invoice(cls.customer, "2026-03-01", amount=800.0)
        cls.other = cls._create_invoice(cls.customer, "2026-03-01", amount=300.0)
        cls._set_level(cls.disputed + cls.other, cls.level_first)
        cls.reason = cls.env.ref("account_dunning.reason_dispute")
        cls.benign = cls.env.ref("account_dunning.reason_forgotten")

    def _open_dispute(self, moves, reason, day="2026-03-05"):
        with freeze_time(day):
            form = Form(self.env["account.dunning.dispute"])
            form.partner_id = self.customer
            form.reason_id = reason
            for move in moves:
                form.move_ids.add(move)
            return form.save()

    def test_pausing_dispute_holds_its_invoices_only(self):
        dispute = self._open_dispute(self.disputed, self.reason)
        self.assertTrue(dispute.pauses_dunning)
        self.assertTrue(self.disputed.is_disputed)
        self.assertFalse(self.other.is_disputed)
        self.assertEqual(self.disputed.dunning_hold, "dispute")
        self.assertFalse(self.other.dunning_hold)
        run = self._run_cron("2026-03-09")
        self.assertEqual(run.skip_disputed, 1)
        self.assertEqual(run.action_ids.move_ids, self.other)
        self.assertEqual(self.disputed.dunning_level_id, self.level_first)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.dunning_dispute_count, 1)
        self.assertIn("In dispute", self.customer.dunning_status)

        # resolved on the 20th: the next night it resumes at the next level
        # (the phone call), not from the start and not two steps at once
        with freeze_time("2026-03-20"):
            dispute.action_resolve()
        self.assertEqual(dispute.state, "resolved")
        self.assertEqual(dispute.resolved_date, self._d("2026-03-20"))
        self.assertFalse(self.disputed.is_disputed)
        run = self._run_cron("2026-03-21")
        lines = run.action_ids.line_ids
        self.assertEqual(
            {line.move_id: line.level_id for line in lines},
            {self.disputed: self.level_call, self.other: self.level_second},
        )
        self.assertEqual(self.disputed.dunning_level_id, self.level_call)

    def test_non_pausing_reason_does_not_hold(self):
        dispute = self._open_dispute(self.disputed, self.benign)
        self.assertFalse(dispute.pauses_dunning)
        self.assertFalse(self.disputed.is_disputed)
        run = self._run_cron("2026-03-09")
        self.assertEqual(run.action_ids.move_ids, self.disputed + self.other)
        # the credit manager decides this reason pauses after all
        self.benign.pauses_dunning = True
        self.assertTrue(self.disputed.is_disputed)

    def test_cancelled_dispute_releases(self):
        dispute = self._open_dispute(self.disputed + self.other, self.reason)
        run = self._run_cron("2026-03-09")
        self.assertFalse(run.action_ids)
        self.assertEqual(run.skip_disputed, 2)
        dispute.action_cancel()
        run = self._run_cron("2026-03-10")
        self.assertEqual(run.action_ids.move_ids, self.disputed + self.other)

    def test_dispute_needs_invoices_of_its_customer(self):
        stranger = self._create_customer("Autre Client")
        invoice = self._create_invoice(stranger, "2026-03-01")
        with self.assertRaises(ValidationError):
            self.env["account.dunning.dispute"].create(
                {
                    "partner_id": self.customer.id,
                    "reason_id": self.reason.id,
                    "move_ids": [(6, 0, invoice.ids)],
                }
            )

    def test_dispute_given_invoices_only_takes_their_customer(self):
        dispute = self.env["account.dunning.dispute"].create(
            {"reason_id": self.reason.id, "move_ids": [(6, 0, self.disputed.ids)]}
        )
        self.assertEqual(dispute.partner_id, self.customer)
        self.assertTrue(self.disputed.is_disputed)

    def test_dispute_on_invoices_of_two_customers_is_refused_in_words(self):
        stranger = self._create_customer("Autre Client")
        invoice = self._create_invoice(stranger, "2026-03-01")
        with self.assertRaisesRegex(
            ValidationError, "invoices of one customer; these belong to"
        ):
            self.env["account.dunning.dispute"].create(
                {
                    "reason_id": self.reason.id,
                    "move_ids": [(6, 0, (invoice | self.disputed).ids)],
                }
            )

    def test_open_disputes_by_age(self):
        old = self._open_dispute(self.disputed, self.reason, day="2026-02-01")
        recent = self._open_dispute(self.other, self.reason, day="2026-03-10")
        closed = self._open_dispute(self.disputed, self.benign, day="2026-01-01")
        closed.action_resolve()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_dispute_action"
        )
        self.assertIn("search_default_filter_open", action["context"])
        with freeze_time("2026-03-20"):
            disputes = self.env["account.dunning.dispute"].search(
                [("state", "=", "open"), ("partner_id", "=", self.customer.id)]
            )
            self.assertEqual(disputes, old + recent, "oldest first")
            self.assertEqual(disputes.mapped("age"), [47, 10])
