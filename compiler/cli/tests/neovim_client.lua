-- Drives `tok lsp` from headless Neovim for compiler/cli/tests/neovim.rs:
-- opens TOK_FILE, waits for diagnostics, hovers and jumps to a definition
-- at the positions the test gives, formats, and writes what it saw to
-- TOK_OUT as JSON.
local out = {}
local file = os.getenv('TOK_FILE')
vim.cmd('edit ' .. file)
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'tok',
  cmd = { os.getenv('TOK_BIN'), 'lsp' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
  init_options = { debounceMs = 0 },
})
vim.lsp.buf_attach_client(buf, client_id)
local client = vim.lsp.get_client_by_id(client_id)

vim.wait(30000, function()
  return #vim.diagnostic.get(buf) > 0
end, 20)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local lsp = d.user_data and d.user_data.lsp or {}
  table.insert(out.diagnostics, { code = d.code or lsp.code, line = d.lnum, message = d.message })
end

local function at(line, character)
  return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = character } }
end
local function request(method, params)
  local response = client.request_sync(method, params, 20000, buf)
  return response and (response.result or response.err)
end
out.hover = request('textDocument/hover', at(tonumber(os.getenv('TOK_HOVER_LINE')), tonumber(os.getenv('TOK_HOVER_CHARACTER'))))
out.definition = request('textDocument/definition', at(tonumber(os.getenv('TOK_USE_LINE')), tonumber(os.getenv('TOK_USE_CHARACTER'))))

vim.lsp.buf.formatting_sync(nil, 20000)
out.formatted = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')

local handle = io.open(os.getenv('TOK_OUT'), 'w')
handle:write(vim.fn.json_encode(out))
handle:close()
vim.cmd('qa!')
