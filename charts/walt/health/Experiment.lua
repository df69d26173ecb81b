-- Argo CD health of an Experiment, from its phase: Succeeded is Healthy, Failed Degraded, Acquiring
-- (waiting for nodes that other experiments or users hold) Suspended, and Pending, Booting, Running and
-- Releasing Progressing; a Stalled condition is Degraded and a generation the operator has not
-- observed yet Progressing.
local hs = { status = "Progressing", message = "Waiting for the operator to start the experiment" }
if obj.status == nil or obj.status.phase == nil then return hs end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end
for _, c in ipairs(obj.status.conditions or {}) do
  if c.type == "Stalled" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.message or "Stalled"
    return hs
  end
end
local phase = obj.status.phase
local status = { Succeeded = "Healthy", Failed = "Degraded", Acquiring = "Suspended" }
hs.status = status[phase] or "Progressing"
hs.message = phase
if obj.status.message ~= nil and obj.status.message ~= "" then hs.message = phase .. ": " .. obj.status.message end
return hs
