"""Staff training and 走流程 visits (plan 一(二), 一(八)): each session with its date, topic, kind (业务培训,
服务技能培训, 走流程体验, 暗访注意事项), the units it covered, who attended (by 工号) and what was found; a unit with
no session in a quarter is flagged for the bulletin."""
