-- Argo CD health of a WaltNode: Progressing while it is Pending or Booting, Degraded when it is Down
-- or Failed, otherwise its Ready condition (written by the boot agent at each bootup), after the
-- generation checks and the Stalled / Reconciling conditions. A node that never booted is Progressing.
local hs = { status = "Progressing", message = "Waiting for the node's first bootup" }
if obj.status == nil then return hs end
local generation = obj.metadata.generation
local function stale(observed) return generation ~= nil and observed ~= nil and observed < generation end
if stale(obj.status.observedGeneration) then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end
local conditions = {}
for _, c in ipairs(obj.status.conditions or {}) do conditions[c.type] = c end
local function is(kind, status) return conditions[kind] ~= nil and conditions[kind].status == status end
if is("Stalled", "True") then
  hs.status = "Degraded"
  hs.message = conditions.Stalled.message or "Stalled"
  return hs
end
if is("Reconciling", "True") then
  hs.message = conditions.Reconciling.message or "Reconciling"
  return hs
end
local phase = obj.status.phase
local ready = conditions.Ready
local detail = obj.status.message or (ready ~= nil and ready.message) or ""
if phase == "Down" or phase == "Failed" then
  hs.status = "Degraded"
  hs.message = phase .. ": " .. detail
  return hs
end
if phase == "Pending" or phase == "Booting" then
  hs.message = phase .. ": " .. detail
  return hs
end
if ready == nil then return hs end
if stale(ready.observedGeneration) then
  hs.message = "Ready describes generation " .. ready.observedGeneration .. ", waiting for " .. generation
  return hs
end
if ready.status == "True" then hs.status = "Healthy" elseif ready.status == "False" then hs.status = "Degraded" end
hs.message = ready.message or ready.reason or ""
return hs
