"""The implementation plan: phases, actions, milestones, history, readiness gate, exports."""
