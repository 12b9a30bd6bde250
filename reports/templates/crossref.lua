--[[
The subset of Quarto's book cross-references the report uses, for the pandoc
path (Quarto does this itself):
  - chapters (level-1 headings) are numbered 1, 2, ... and, after a heading
    with class `appendices`, A, B, ...; `.unnumbered` and `.part` headings are
    not; sections below a numbered chapter are numbered 1.1, 1.1.1, ...;
  - figures: `::: {#fig-x}` divs (caption = last paragraph) and images with
    an id `fig-x`, numbered per chapter ("Figure 2.1");
  - tables: pipe tables whose caption ends in `{#tbl-x}`, numbered per chapter;
  - callouts: `::: {.callout-note title="..."}` get their title as a header line;
  - references `@fig-x`, `@tbl-x`, `@sec-x` (any id of the above) become links
    with the number ("Figure 2.1", "Table 3.2", "Chapter 4", "Section 4.2").
Unresolved references are rendered as `??id` and reported on stderr.
]]

local labels = {}
local chapter_label = nil
local in_appendix = false
local chapters, appendices = 0, 0
local sections = {}
local counters = { fig = 0, tbl = 0 }

local function prefixed(kind, id)
  counters[kind] = counters[kind] + 1
  local number = chapter_label and (chapter_label .. '.' .. counters[kind]) or tostring(counters[kind])
  local name = kind == 'fig' and 'Figure' or 'Table'
  labels[id] = name .. ' ' .. number
  return name .. ' ' .. number
end

local function number_span(text)
  return pandoc.Span({ pandoc.Str(text) }, { class = 'header-section-number' })
end

local function header(el)
  if el.level == 1 then
    counters = { fig = 0, tbl = 0 }
    sections = {}
    if el.classes:includes('appendices') then in_appendix = true end
    if el.classes:includes('part') or el.classes:includes('unnumbered') then
      chapter_label = nil
      if not el.classes:includes('unnumbered') then el.classes:insert('unnumbered') end
      return el
    end
    local label
    if in_appendix then
      appendices = appendices + 1
      label = string.char(64 + appendices)
      labels[el.identifier] = 'Appendix ' .. label
    else
      chapters = chapters + 1
      label = tostring(chapters)
      labels[el.identifier] = 'Chapter ' .. label
    end
    chapter_label = label
    el.content:insert(1, pandoc.Space())
    el.content:insert(1, number_span(label))
    return el
  end
  if not chapter_label or el.classes:includes('unnumbered') then return el end
  local depth = el.level - 1
  sections[depth] = (sections[depth] or 0) + 1
  for d = depth + 1, #sections do sections[d] = nil end
  local parts = { chapter_label }
  for d = 1, depth do parts[#parts + 1] = tostring(sections[d] or 0) end
  local number = table.concat(parts, '.')
  labels[el.identifier] = 'Section ' .. number
  el.content:insert(1, pandoc.Space())
  el.content:insert(1, number_span(number))
  return el
end

local function caption_prefix(text)
  return { pandoc.Strong({ pandoc.Str(text .. ':') }), pandoc.Space() }
end

local function figure_div(el)
  local id = el.identifier
  if id:match('^fig%-') then
    local name = prefixed('fig', id)
    local blocks = el.content
    local caption = {}
    local last = blocks[#blocks]
    if last and (last.t == 'Para' or last.t == 'Plain') then
      caption = last.content
      blocks:remove(#blocks)
    end
    local inlines = pandoc.List(caption_prefix(name))
    inlines:extend(caption)
    blocks:insert(pandoc.Div({ pandoc.Plain(inlines) }, { class = 'figure-caption' }))
    return pandoc.Div(blocks, { id = id, class = 'figure' })
  end
  for _, kind in ipairs({ 'note', 'warning', 'important', 'tip', 'caution' }) do
    if el.classes:includes('callout-' .. kind) then
      local title = el.attributes.title or (kind:sub(1, 1):upper() .. kind:sub(2))
      el.content:insert(1, pandoc.Div({ pandoc.Plain({ pandoc.Str(title) }) }, { class = 'callout-title' }))
      el.classes:insert('callout')
      el.attributes.title = nil
      return el
    end
  end
  return el
end

-- An implicit figure: a paragraph holding one image whose id is fig-x.
local function figure_para(el)
  if #el.content ~= 1 or el.content[1].t ~= 'Image' then return nil end
  local img = el.content[1]
  if not img.identifier:match('^fig%-') then return nil end
  local name = prefixed('fig', img.identifier)
  local caption = pandoc.List(caption_prefix(name))
  caption:extend(img.caption)
  img.caption = caption
  return el
end

local function table_caption(el)
  local long = el.caption.long
  local last_block = long[#long]
  if not last_block or not last_block.content then return nil end
  local inlines = last_block.content
  local tail = inlines[#inlines]
  local id = tail and tail.t == 'Str' and tail.text:match('^{#(tbl%-[%w%-_]+)}$')
  if not id then return nil end
  inlines:remove(#inlines)
  while #inlines > 0 and (inlines[#inlines].t == 'Space' or inlines[#inlines].t == 'SoftBreak') do inlines:remove(#inlines) end
  local name = prefixed('tbl', id)
  local prefix = caption_prefix(name)
  for i = #prefix, 1, -1 do inlines:insert(1, prefix[i]) end
  el.attr.identifier = id
  return el
end

local function reference(el)
  local out = pandoc.List()
  for i, citation in ipairs(el.citations) do
    local id = citation.id
    if not id:match('^fig%-') and not id:match('^tbl%-') and not id:match('^sec%-') then return nil end
    if i > 1 then out:insert(pandoc.Str(i == #el.citations and ' and ' or ', ')) end
    local text = labels[id]
    if text then
      out:insert(pandoc.Link({ pandoc.Str(text) }, '#' .. id, '', { class = 'quarto-xref' }))
    else
      io.stderr:write('crossref: unresolved reference @' .. id .. '\n')
      out:insert(pandoc.Strong({ pandoc.Str('??' .. id) }))
    end
  end
  return out
end

return {
  { traverse = 'topdown', Header = header, Div = figure_div, Para = figure_para, Table = table_caption },
  { Cite = reference },
}
