-- Tok's language server in Neovim 0.7 or later: `:luafile` this file, or
-- copy it into your configuration. It starts `tok lsp` for `.tok` buffers.
vim.filetype.add({ extension = { tok = 'tok' } })

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'tok',
  callback = function(args)
    local root = vim.fs and vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf))
      or vim.fn.fnamemodify(vim.api.nvim_buf_get_name(args.buf), ':h')
    local client = vim.lsp.start_client({
      name = 'tok',
      cmd = { 'tok', 'lsp' },
      root_dir = root,
    })
    if client then
      vim.lsp.buf_attach_client(args.buf, client)
    end
  end,
})
