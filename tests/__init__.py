from . import test_escalation
from . import test_escalation_gates
from . import test_escalation_robustness
from . import test_policy_config
from . import test_ui_tour
from . import test_penalties
from . import test_dunning_wizard
from . import test_ui_wizard_tour
