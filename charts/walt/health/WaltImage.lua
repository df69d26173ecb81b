-- Argo CD health of a WaltImage: the operator's Ready condition (True: unpacked on every segment;
-- Unknown: resolving, pulling or unpacking; False: a failure its message explains), after the
-- generation checks and the Stalled / Reconciling conditions.
local hs = { status = "Progressing", message = "Waiting for the operator to report status" }
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
local ready = conditions.Ready
if ready == nil then
  hs.message = "Waiting for the Ready condition"
  return hs
end
if stale(ready.observedGeneration) then
  hs.message = "Ready describes generation " .. ready.observedGeneration .. ", waiting for " .. generation
  return hs
end
if ready.status == "True" then hs.status = "Healthy" elseif ready.status == "False" then hs.status = "Degraded" end
hs.message = ready.message or ready.reason or ""
return hs
