from odoo.tests import tagged
from odoo.tools.misc import file_path

from .common import DunningCommon

EXCUSES = [
    "excuse_not_received",
    "excuse_cheque_sent",
    "excuse_customer_not_paid",
    "excuse_signatory_away",
    "excuse_due_date",
    "excuse_wrong_wording",
    "excuse_delivery_note",
    "excuse_payment_run",
    "excuse_cash_problems",
]
BENIGN = [
    "reason_cheque_lost",
    "reason_forgotten",
    "reason_not_entered",
    "reason_signatory_away",
    "reason_wrong_bank",
    "reason_other_supplier",
]
SERIOUS = {
    "reason_dispute": "dispute",
    "reason_financial": "financial",
    "reason_administrative": "administrative",
    "reason_bad_faith": "bad_faith",
}


@tagged("post_install", "-at_install")
class TestReasonCatalogue(DunningCommon):
    """The catalogue of reasons and excuses of seed 001 loads with its answers."""

    def _ref(self, xmlid):
        return self.env.ref(f"account_dunning.{xmlid}")

    def test_english_catalogue(self):
        for xmlid in BENIGN:
            reason = self._ref(xmlid)
            self.assertEqual((reason.kind, reason.category), ("reason", "benign"))
            self.assertFalse(reason.pauses_dunning)
        for xmlid, category in SERIOUS.items():
            self.assertEqual(self._ref(xmlid).category, category)
        for xmlid in EXCUSES:
            excuse = self._ref(xmlid)
            self.assertEqual(excuse.kind, "excuse")
            self.assertTrue(excuse.suggested_response)
            self.assertTrue(excuse.suggested_action)
        dispute = self._ref("reason_dispute")
        self.assertTrue(dispute.pauses_dunning)
        # of seed 001's reasons (the customer page adds its own)
        self.assertEqual(
            self.env["account.dunning.reason"].search_count(
                [("pauses_dunning", "=", True), ("customer_facing", "=", False)]
            ),
            1,
        )
        not_received = self._ref("excuse_not_received")
        self.assertEqual(not_received.name, "We did not receive the invoice")
        self.assertEqual(not_received.suggested_action, "duplicate")
        self.assertIn("duplicate", not_received.suggested_response)
        self.assertEqual(self._ref("excuse_cash_problems").suggested_action, "schedule")

    def test_french_catalogue(self):
        """The French names and answers come from i18n/fr.po."""
        with open(file_path("account_dunning/i18n/fr.po"), encoding="utf-8") as po:
            if 'msgid "We did not receive the invoice"' not in po.read():
                self.skipTest("French catalogue not merged into i18n/fr.po yet")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search(
            [("name", "=", "account_dunning")]
        )._update_translations(["fr_FR"])
        self.env.invalidate_all()
        french = self.env["account.dunning.reason"].with_context(lang="fr_FR")
        excuse = french.browse(self._ref("excuse_not_received").id)
        self.assertEqual(excuse.name, "Nous n'avons pas reçu la facture")
        self.assertIn("duplicata", excuse.suggested_response)
        self.assertEqual(french.browse(self._ref("reason_dispute").id).name, "Litige")
        self.assertEqual(
            self._ref("excuse_not_received").name, "We did not receive the invoice"
        )
