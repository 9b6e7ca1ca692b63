-- JSON for the gateway: lua-cjson when present (OpenResty ships it), else a small pure-Lua decoder
-- good enough for settings documents and token payloads. Encoding only covers strings (envelopes
-- are built by hand).
local _M = {}

local ok, cjson = pcall(require, "cjson.safe")
if not ok then
    cjson = nil
end

local byte, sub, find, char, tonumber = string.byte, string.sub, string.find, string.char, tonumber

-- The pure-Lua decoder gives objects this metatable, so a caller can tell {} from [] (lua-cjson decodes both
-- to an empty table, and Debian's build has no decode_array_with_array_mt).
local OBJECT = {}

local escapes = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }

local function utf8(code)
    if code < 0x80 then
        return char(code)
    elseif code < 0x800 then
        return char(0xC0 + math.floor(code / 0x40), 0x80 + code % 0x40)
    end
    return char(0xE0 + math.floor(code / 0x1000), 0x80 + math.floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
end

local parseValue

local function skip(text, pos)
    local _, last = find(text, "^[ \t\r\n]*", pos)
    return last + 1
end

local function parseString(text, pos)
    local parts, n = {}, 0
    pos = pos + 1
    while true do
        local startPos, endPos = find(text, '["\\]', pos)
        if not startPos then
            error("unterminated string")
        end
        n = n + 1
        parts[n] = sub(text, pos, startPos - 1)
        if byte(text, startPos) == 34 then
            return table.concat(parts), endPos + 1
        end
        local esc = sub(text, startPos + 1, startPos + 1)
        if esc == "u" then
            local code = tonumber(sub(text, startPos + 2, startPos + 5), 16)
            if not code then
                error("bad unicode escape")
            end
            n = n + 1
            parts[n] = utf8(code)
            pos = startPos + 6
        else
            local value = escapes[esc]
            if not value then
                error("bad escape")
            end
            n = n + 1
            parts[n] = value
            pos = startPos + 2
        end
    end
end

local function parseArray(text, pos)
    local result, n = {}, 0
    pos = skip(text, pos + 1)
    if byte(text, pos) == 93 then
        return result, pos + 1
    end
    while true do
        local value
        value, pos = parseValue(text, pos)
        n = n + 1
        result[n] = value
        pos = skip(text, pos)
        local c = byte(text, pos)
        if c == 93 then
            return result, pos + 1
        elseif c ~= 44 then
            error("expected , or ]")
        end
        pos = skip(text, pos + 1)
    end
end

local function parseObject(text, pos)
    local result = setmetatable({}, OBJECT)
    pos = skip(text, pos + 1)
    if byte(text, pos) == 125 then
        return result, pos + 1
    end
    while true do
        if byte(text, pos) ~= 34 then
            error("expected key")
        end
        local key
        key, pos = parseString(text, pos)
        pos = skip(text, pos)
        if byte(text, pos) ~= 58 then
            error("expected :")
        end
        local value
        value, pos = parseValue(text, skip(text, pos + 1))
        result[key] = value
        pos = skip(text, pos)
        local c = byte(text, pos)
        if c == 125 then
            return result, pos + 1
        elseif c ~= 44 then
            error("expected , or }")
        end
        pos = skip(text, pos + 1)
    end
end

parseValue = function(text, pos)
    pos = skip(text, pos)
    local c = byte(text, pos)
    if c == 123 then
        return parseObject(text, pos)
    elseif c == 91 then
        return parseArray(text, pos)
    elseif c == 34 then
        return parseString(text, pos)
    elseif sub(text, pos, pos + 3) == "true" then
        return true, pos + 4
    elseif sub(text, pos, pos + 4) == "false" then
        return false, pos + 5
    elseif sub(text, pos, pos + 3) == "null" then
        return nil, pos + 4
    end
    local _, last = find(text, "^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not last then
        error("unexpected character at " .. pos)
    end
    return tonumber(sub(text, pos, last)), last + 1
end

local function fallbackDecode(text)
    local okParse, value, pos = pcall(parseValue, text, 1)
    if not okParse then
        return nil, value
    end
    if skip(text, pos) <= #text then
        return nil, "trailing characters"
    end
    return value
end

-- Returns the decoded value, or nil and an error.
function _M.decode(text)
    if type(text) ~= "string" then
        return nil, "not a string"
    end
    if cjson then
        return cjson.decode(text)
    end
    return fallbackDecode(text)
end

_M.fallbackDecode = fallbackDecode

-- True for an object decoded by fallbackDecode (never for an array).
function _M.isObject(value)
    return getmetatable(value) == OBJECT
end

-- A JSON string literal (quotes included) for building responses by hand.
function _M.quote(value)
    value = tostring(value)
    value = value:gsub('[%c"\\]', function(c)
        if c == '"' then
            return '\\"'
        elseif c == "\\" then
            return "\\\\"
        end
        return string.format("\\u%04x", byte(c))
    end)
    return '"' .. value .. '"'
end

return _M
