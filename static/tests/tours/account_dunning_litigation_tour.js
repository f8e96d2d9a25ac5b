/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_litigation_tour", {
    url: "/odoo/action-account_dunning.account_dunning_litigation_action",
    steps: () => [
        {
            content: "Hand a debt over from the list of cases",
            trigger: ".o_list_view .o_control_panel button[name='action_hand_over'], button[name='action_hand_over']",
            run: "click",
        },
        {
            content: "Choose the customer",
            trigger: ".modal .o_field_widget[name='partner_id'] input",
            run: "edit Tour Debtor",
        },
        {
            content: "from the suggestions",
            trigger: ".ui-autocomplete a:contains('Tour Debtor')",
            run: "click",
        },
        {
            content: "Its overdue invoice is proposed",
            trigger: ".modal .o_field_widget[name='move_ids'] .o_data_row",
        },
        {
            content: "By an injonction de payer",
            trigger: ".modal .o_field_widget[name='route'] select",
            run: "select \"injunction\"",
        },
        {
            content: "Hand over",
            trigger: ".modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The case is open",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Open')",
        },
        {
            content: "Its accounting",
            trigger: ".o_form_view .o_notebook a:contains('Accounting')",
            run: "click",
        },
        {
            content: "holds the transfer to doubtful debts, a draft",
            trigger: ".o_form_view .o_field_widget[name='doubtful_move_id'] a:contains('transfer to doubtful debts')",
        },
    ],
});
