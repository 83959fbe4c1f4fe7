-- fib.lua: recursive fib, the same code as fib.flyte and fib.py (Lua 5.4, a register VM).
local function fib(n)
    if n < 2 then return n end
    return fib(n - 1) + fib(n - 2)
end
print(fib(tonumber(arg[1] or "30")))
