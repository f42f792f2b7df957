-- wrk script of the policy row (examples/bench/bench.sh): each wrk thread sends back the
-- persistence cookie the proxy last set, as a browser does, so that the load is mostly returning
-- sticky clients (requests with a valid cookie, responses without Set-Cookie), with new clients
-- only at the start. The request is formatted again only when the cookie changes.
local req

init = function(args)
  req = wrk.format()
end

request = function()
  return req
end

response = function(status, headers, body)
  local set = headers["set-cookie"] or headers["Set-Cookie"]
  if set then
    wrk.headers["Cookie"] = string.match(set, "^[^;]+")
    req = wrk.format()
  end
end
