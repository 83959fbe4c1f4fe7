-- Drives Neovim's built-in LSP client against `flyte-dsl lsp`: opens a script, waits for its
-- diagnostics, asks for hover and definition, and writes what it got as JSON to $OUT.
local bin, file, out = os.getenv("FLYTE_DSL"), os.getenv("FILE"), os.getenv("OUT")
vim.cmd("edit " .. file)
local buf = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({
  name = "flyte-dsl",
  cmd = { bin, "lsp" },
  root_dir = vim.fn.fnamemodify(file, ":h"),
})
vim.lsp.buf_attach_client(buf, client)
local got = vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local result = { diagnostics = {}, attached = got }
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(result.diagnostics, { code = d.code, line = d.lnum, col = d.col, message = d.message })
end
local function at(method, line, col)
  local params = { textDocument = vim.lsp.util.make_text_document_params(buf), position = { line = line, character = col } }
  local res = vim.lsp.buf_request_sync(buf, method, params, 5000) or {}
  for _, r in pairs(res) do if r.result then return r.result end end
  return vim.NIL
end
result.hover = at("textDocument/hover", tonumber(os.getenv("HOVER_LINE")), tonumber(os.getenv("HOVER_COL")))
result.definition = at("textDocument/definition", tonumber(os.getenv("DEF_LINE")), tonumber(os.getenv("DEF_COL")))
local f = io.open(out, "w")
f:write(vim.fn.json_encode(result))
f:close()
vim.lsp.stop_client(client)
vim.cmd("qall!")
