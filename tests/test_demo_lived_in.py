import importlib.util
import unittest
from datetime import datetime
from pathlib import Path

import pytz

from odoo.tests import TransactionCase, tagged

DEMO_SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "demo_data.py"


@tagged("post_install", "-at_install")
class TestDemoLivedIn(TransactionCase):
    """The demo database lives its last ninety nights: a newcomer finds every
    step of the Standard policy and a work queue with things to do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not DEMO_SCRIPT.exists():
            raise unittest.SkipTest("tools/demo_data.py is not shipped with this copy")
        spec = importlib.util.spec_from_file_location("demo_data", DEMO_SCRIPT)
        demo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(demo)
        # the queue reads today in SQL (NOW(), the company's time zone: Paris)
        cls.today = datetime.now(pytz.timezone("Europe/Paris")).date()
        cls.company = demo.populate(cls.env, today=cls.today, n_invoices=150)

    def _search(self, model, **domain):
        return self.env[model].search(
            [("company_id", "=", self.company.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def test_every_level_of_the_standard_policy(self):
        levels = self.company.dunning_policy_id._get_ordered_levels()
        self.assertEqual(len(levels), 6)
        reached = self._search("account.dunning.action").level_id
        self.assertEqual(levels - reached, levels.browse())

    def test_work_queue_opens_on_four_kinds_of_work(self):
        """The queue's default filter (Work to do) lists customers with at
        least four different next actions."""
        rows = self.env["account.dunning.queue"].search(
            [("company_id", "=", self.company.id), ("next_action", "!=", False)]
        )
        actions = set(rows.mapped("next_action"))
        self.assertGreaterEqual(len(actions), 4, actions)
        self.assertIn("call", actions)
        self.assertIn("check_payment", actions)

    def test_promises_disputes_schedules_notices_letters(self):
        promises = self._search("account.dunning.promise")
        self.assertIn("kept", promises.mapped("state"))
        self.assertIn("broken", promises.mapped("state"))
        self.assertTrue(self._search("account.dunning.dispute", state="open"))
        schedules = self._search("account.dunning.schedule")
        self.assertIn("active", schedules.mapped("state"))
        self.assertIn("defaulted", schedules.mapped("state"))
        notices = self._search("account.dunning.action", state="draft").filtered(
            "is_formal_notice"
        )
        self.assertTrue(notices, "a formal notice waits for approval")
        self.assertTrue(
            self._search("account.dunning.action", state="to_send", channel="letter")
        )
        calls = self._search("account.dunning.action", channel="call")
        self.assertIn("promise", calls.mapped("result"))
        self.assertTrue(
            self._search("account.bank.statement.line", is_reconciled=False)
        )

    def test_dashboard_has_history(self):
        """The reminders span the ninety nights; the reports read them."""
        actions = self._search("account.dunning.action")
        dates = actions.mapped("date")
        self.assertGreaterEqual((max(dates) - min(dates)).days, 80)
        self.assertTrue(self._search("account.dunning.report.channel"))
        self.assertTrue(self._search("account.dunning.report.payment"))
