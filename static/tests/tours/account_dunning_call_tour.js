/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_call_tour", {
    url: "/odoo/action-account_dunning.account_dunning_queue_action",
    steps: () => [
        {
            content: "Log a call with the customer",
            trigger: ".o_data_row:contains('Call Customer') button[name='action_log_call']",
            run: "click",
        },
        {
            content: "The customer promises to pay",
            trigger: ".modal .o_field_widget[name='result'] input[data-value='promise']",
            run: "click",
        },
        {
            content: "On this date",
            trigger: ".modal .o_field_widget[name='promise_date'] input",
            run: "edit 12/31/2030",
        },
        {
            content: "This amount",
            trigger: ".modal .o_field_widget[name='promise_amount'] input",
            run: "edit 500",
        },
        {
            content: "Confirm the call",
            trigger: ".modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The promise is open",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Open')",
        },
        {
            content: "for the amount promised",
            trigger: ".o_form_view .o_field_widget[name='amount']:contains('500.00')",
        },
    ],
});
