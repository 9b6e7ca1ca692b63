-- IP addresses for the limiter (see docs/gateway.md): X-Forwarded-For hops and GATEWAY_TRUSTED_PROXIES
-- entries parsed into one canonical text form, and the identity a client is counted under (an IPv6
-- client by its /64, which one subscriber usually holds whole).
local find, match, sub, lower, format = string.find, string.match, string.sub, string.lower, string.format
local tonumber, concat, floor = tonumber, table.concat, math.floor

local _M = {}

-- Dotted-quad IPv4, four decimal octets without leading zeros; the canonical text or nil.
local function ipv4(text)
    local a, b, c, d = match(text, "^(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)$")
    if not a then
        return nil
    end
    for _, octet in ipairs({ a, b, c, d }) do
        if tonumber(octet) > 255 or (#octet > 1 and sub(octet, 1, 1) == "0") then
            return nil
        end
    end
    return text
end

-- An IPv6 address (an IPv4 tail allowed, no zone) as eight 16-bit numbers, or nil.
local function ipv6Groups(text)
    if #text < 2 or #text > 45 or find(text, "[^%x:%.]") then
        return nil
    end
    local tail = {}
    local v4 = match(text, ":(%d+%.[%d%.]*)$")
    if v4 then
        if not ipv4(v4) then
            return nil
        end
        local a, b, c, d = match(v4, "^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
        tail = { tonumber(a) * 256 + tonumber(b), tonumber(c) * 256 + tonumber(d) }
        text = sub(text, 1, #text - #v4 - 1)
        if sub(text, -1) == ":" then
            text = text .. ":"  -- "::1.2.3.4": the "::" lost its second colon with the tail
        end
    elseif find(text, ".", 1, true) then
        return nil
    end
    local head, rest = text, nil
    local gap = find(text, "::", 1, true)
    if gap then
        head, rest = sub(text, 1, gap - 1), sub(text, gap + 2)
        if find(rest, "::", 1, true) then
            return nil
        end
    end
    local function split(part)
        local groups = {}
        if part == "" then
            return groups
        end
        for group in (part .. ":"):gmatch("([^:]*):") do
            if not match(group, "^%x%x?%x?%x?$") then
                return nil
            end
            groups[#groups + 1] = tonumber(group, 16)
        end
        return groups
    end
    local left, right = split(head), rest and split(rest) or {}
    if not left or not right then
        return nil
    end
    for _, value in ipairs(tail) do
        right[#right + 1] = value
    end
    if not rest then
        for _, value in ipairs(right) do
            left[#left + 1] = value
        end
        return #left == 8 and left or nil
    end
    local missing = 8 - #left - #right
    if missing < 1 then
        return nil
    end
    for _ = 1, missing do
        left[#left + 1] = 0
    end
    for _, value in ipairs(right) do
        left[#left + 1] = value
    end
    return left
end

-- RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as "::".
local function ipv6Text(groups)
    local bestStart, bestLength, runStart = 0, 1, nil
    for i = 1, 9 do
        if i <= 8 and groups[i] == 0 then
            runStart = runStart or i
        elseif runStart then
            if i - runStart > bestLength then
                bestStart, bestLength = runStart, i - runStart
            end
            runStart = nil
        end
    end
    local parts = {}
    for i = 1, 8 do
        parts[i] = format("%x", groups[i])
    end
    if bestStart == 0 then
        return concat(parts, ":")
    end
    return concat(parts, ":", 1, bestStart - 1) .. "::" .. concat(parts, ":", bestStart + bestLength, 8)
end

-- Canonical text of a plain IPv4 or IPv6 address (an IPv4-mapped IPv6 address is its IPv4), or nil.
local function canonical(text)
    if not find(text, ":", 1, true) then
        return ipv4(text)
    end
    local groups = ipv6Groups(lower(text))
    if not groups then
        return nil
    end
    if groups[1] == 0 and groups[2] == 0 and groups[3] == 0 and groups[4] == 0 and groups[5] == 0
        and groups[6] == 0xffff then
        return format("%d.%d.%d.%d", floor(groups[7] / 256), groups[7] % 256, floor(groups[8] / 256), groups[8] % 256)
    end
    return ipv6Text(groups)
end
_M.canonical = canonical

local function validPort(port)
    return #port <= 5 and tonumber(port) <= 65535
end

local function hostOf(hop)
    local host, port = match(hop, "^%[([^%]]+)%]:?(%d*)$")
    if host then
        if port ~= "" and not validPort(port) then
            return nil
        end
        return find(host, ":", 1, true) and canonical(host) or nil
    end
    host, port = match(hop, "^([%d%.]+):(%d+)$")
    if host then
        return validPort(port) and ipv4(host) or nil
    end
    return canonical(hop)
end

-- One X-Forwarded-For hop: an IPv4 address with an optional ":port", an IPv6 address, or "[IPv6]"
-- with an optional ":port"; the port is dropped. nil for anything else, the unspecified addresses
-- ("0.0.0.0", "::") included: no client sends from them.
function _M.fromHop(hop)
    local host = hostOf(hop)
    if host == "::" or host == "0.0.0.0" then
        return nil
    end
    return host
end

-- The identity an address is counted under: an IPv4 address itself, an IPv6 address its /64.
function _M.identity(text)
    if not find(text, ":", 1, true) then
        return text
    end
    local groups = ipv6Groups(text)
    if not groups then
        return text
    end
    return ipv6Text({ groups[1], groups[2], groups[3], groups[4], 0, 0, 0, 0 }) .. "/64"
end

return _M
