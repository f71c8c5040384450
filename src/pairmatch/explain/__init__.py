"""Why a pairing is what it is: reasons for children left unpaired, each team member's
credit, a child's explanation, and what-if questions answered by solving again."""
