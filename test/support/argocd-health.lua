-- Runs an Argo CD health check as Argo CD does: the object (JSON on stdin, decoded to Lua tables) is
-- the global `obj`, the script's chunk returns { status, message }. Usage: lua5.1 argocd-health.lua <check.lua>
local cjson = require("cjson")
local file = assert(io.open(arg[1], "r"))
local source = file:read("*a")
file:close()
obj = cjson.decode(io.read("*a"))
local check = assert(loadstring(source, arg[1]))
local hs = check()
io.write(cjson.encode({ status = hs.status, message = hs.message }))
