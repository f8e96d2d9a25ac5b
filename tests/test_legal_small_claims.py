from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-06-30 12:00:00")
class TestLegalSmallClaims(DunningCommon):
    """T16 (DOMAIN.md §4.2): the hand-over proposes the commissaire de
    justice's simplified small-claims procedure when principal and interest
    stay within 5,000 €, the injonction de payer above. The interest is the
    late-payment interest the addon computes on the hand-over day: here a
    contractual rate chosen so that each invoice owes 250.00 on 2026-06-30."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 4,800.00 at 10.68 % for 178 days (2026-01-04 to 2026-06-30): 250.00
        cls.above = cls._create_customer("Garage Petit", dunning_contract_rate=10.68)
        cls.above_invoice = cls._create_invoice(cls.above, "2026-01-03", amount=4800.0)
        # 4,700.00 at 17.65 % for 110 days (2026-03-13 to 2026-06-30): 250.00
        cls.within = cls._create_customer("Atelier Roux", dunning_contract_rate=17.65)
        cls.within_invoice = cls._create_invoice(
            cls.within, "2026-03-12", amount=4700.0
        )
        cls.agent = cls.env["res.partner"].create(
            {"name": "SCP Huissiers Lyonnais", "is_company": True}
        )

    def _hand_over_form(self, partner):
        action = partner.action_dunning_hand_over()
        return Form(self.env[action["res_model"]].with_context(**action["context"]))

    def test_t16_interest_is_the_late_payment_interest_of_the_addon(self):
        for invoice in (self.above_invoice, self.within_invoice):
            self.assertEqual(
                invoice._get_dunning_penalties(date(2026, 6, 30))[invoice.id][
                    "interest"
                ],
                250.0,
            )

    def test_t16_above_five_thousand_proposes_the_injonction_de_payer(self):
        """4,800 + 250 = 5,050: not eligible, the injonction de payer is
        proposed, and the small-claims route is refused in plain words."""
        form = self._hand_over_form(self.above)
        self.assertEqual(form.amount_total, 4800.0)
        self.assertEqual(form.claim_amount, 5050.0)
        self.assertEqual(form.small_claims_limit, 5000.0)
        self.assertFalse(form.small_claims_eligible)
        self.assertEqual(form.route, "injunction")
        form.route = "small_claims"
        form.agent_id = self.agent
        wizard = form.save()
        Case = self.env["account.dunning.litigation"]
        with self.assertRaisesRegex(UserError, "small-claims procedure is for debts"):
            wizard.action_confirm()
        self.assertFalse(Case.search([("partner_id", "=", self.above.id)]))

    def test_t16_within_five_thousand_proposes_the_small_claims_procedure(self):
        """4,700 + 250 = 4,950: eligible, the simplified procedure by a
        commissaire de justice is proposed and the case opens with it."""
        form = self._hand_over_form(self.within)
        self.assertEqual(form.claim_amount, 4950.0)
        self.assertTrue(form.small_claims_eligible)
        self.assertEqual(form.route, "small_claims")
        form.agent_id = self.agent
        case = self.env["account.dunning.litigation"].browse(
            form.save().action_confirm()["res_id"]
        )
        self.assertEqual(case.route, "small_claims")
        self.assertEqual(case.move_ids, self.within_invoice)
        self.assertEqual(case.amount_claimed, 4700.0)
        self.assertEqual(
            dict(case._fields["route"]._description_selection(self.env))[
                "small_claims"
            ],
            "Small claims (commissaire de justice)",
        )

    def test_t16_a_lower_ceiling_on_the_policy_turns_the_proposal(self):
        """The ceiling is the policy's (the legal 5,000 € by default)."""
        self.policy.small_claims_limit = 4900.0
        form = self._hand_over_form(self.within)
        self.assertFalse(form.small_claims_eligible)
        self.assertEqual(form.route, "injunction")
